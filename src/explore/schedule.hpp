// A schedule is the list of decisions made where there was a choice. Replaying the same
// decisions against the same program reproduces the run step for step.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace explore {

struct Decision {
	bool is_value = false; // a sim::choose() value rather than a task pick
	std::uint8_t pick = 0; // task id, or the value chosen
	bool operator==(const Decision&) const = default;
};

struct Schedule {
	std::vector<Decision> decisions;
	bool operator==(const Schedule&) const = default;
};

// Compact text form, safe in a shell word: "s1-<8 hex program key>-<decisions>". A task pick t
// is the letter 'a'+t, a value pick v < 16 is 'A'+v (larger values: 'V' and two hex digits),
// and a decimal count after a letter repeats it: "s1-0badcafe-a3bAc" is a a a b value0 c.
// `program_key` (e.g. a hash of the scenario) is embedded so a token is refused when replayed
// against a different program.
std::string encode_token(const Schedule& s, std::uint32_t program_key);
// Parses a token. On failure returns nullopt and puts a one-line reason in `error`.
std::optional<Schedule> decode_token(std::string_view token, std::uint32_t program_key,
                                     std::string& error);

} // namespace explore
