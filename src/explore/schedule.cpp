// Replay tokens: a Schedule as one shell word (format in schedule.hpp). Runs of one decision
// are the common case (a task keeps running while the other waits), hence the run-length
// counts.
#include "explore/schedule.hpp"

#include "sim/verify.hpp"

#include <cstdio>

namespace explore {
namespace {

constexpr std::string_view kPrefix = "s1-";
// A token asks for at most this many decisions, so a corrupt count cannot exhaust memory.
constexpr std::uint64_t kMaxDecisions = 100'000'000;

const char kHex[] = "0123456789abcdef";

void append_decision(std::string& out, const Decision& d)
{
	if (!d.is_value) {
		MMCHECK_VERIFY(d.pick < 16, "task id out of range for a token");
		out += static_cast<char>('a' + d.pick);
	} else if (d.pick < 16) {
		out += static_cast<char>('A' + d.pick);
	} else {
		out += 'V';
		out += kHex[d.pick >> 4];
		out += kHex[d.pick & 15];
	}
}

int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

std::string bad_char(std::string_view token, std::size_t at)
{
	char buf[96];
	const unsigned char c = static_cast<unsigned char>(token[at]);
	if (c > 32 && c < 127)
		std::snprintf(buf, sizeof buf, "bad character '%c' at offset %zu", c, at);
	else
		std::snprintf(buf, sizeof buf, "bad character 0x%02x at offset %zu", c, at);
	return buf;
}

// Parses the decision letter at token[i]; advances i past it.
bool parse_decision(std::string_view token, std::size_t& i, Decision& d, std::string& error)
{
	const char c = token[i];
	if (c >= 'a' && c <= 'p') {
		d = {false, static_cast<std::uint8_t>(c - 'a')};
		++i;
		return true;
	}
	if (c >= 'A' && c <= 'P') {
		d = {true, static_cast<std::uint8_t>(c - 'A')};
		++i;
		return true;
	}
	if (c == 'V') {
		const int hi = i + 1 < token.size() ? hex_value(token[i + 1]) : -1;
		const int lo = i + 2 < token.size() ? hex_value(token[i + 2]) : -1;
		if (hi < 0 || lo < 0) {
			error = i + 2 < token.size() ? bad_char(token, hi < 0 ? i + 1 : i + 2)
			                             : "token ends inside a value";
			return false;
		}
		d = {true, static_cast<std::uint8_t>(hi * 16 + lo)};
		i += 3;
		return true;
	}
	error = bad_char(token, i);
	return false;
}

} // namespace

std::string encode_token(const Schedule& s, std::uint32_t program_key)
{
	std::string out(kPrefix);
	for (int shift = 28; shift >= 0; shift -= 4)
		out += kHex[(program_key >> shift) & 15];
	out += '-';
	const auto& ds = s.decisions;
	for (std::size_t i = 0; i < ds.size();) {
		std::size_t j = i + 1;
		while (j < ds.size() && ds[j] == ds[i])
			++j;
		append_decision(out, ds[i]);
		if (j - i > 1)
			out += std::to_string(j - i);
		i = j;
	}
	return out;
}

std::optional<Schedule> decode_token(std::string_view token, std::uint32_t program_key,
                                     std::string& error)
{
	if (!token.starts_with(kPrefix)) {
		error = "bad prefix (a replay token starts with 's1-')";
		return std::nullopt;
	}
	std::uint32_t key = 0;
	std::size_t i = kPrefix.size();
	for (const std::size_t end = i + 8; i < end; ++i) {
		const int h = i < token.size() ? hex_value(token[i]) : -1;
		if (h < 0) {
			error = i < token.size() ? bad_char(token, i)
			                         : "token ends inside the program key";
			return std::nullopt;
		}
		key = key << 4 | static_cast<std::uint32_t>(h);
	}
	if (i >= token.size() || token[i] != '-') {
		error = i < token.size() ? bad_char(token, i) : "token ends after the program key";
		return std::nullopt;
	}
	++i;
	if (key != program_key) {
		char buf[96];
		std::snprintf(buf, sizeof buf,
		              "token is for another program (key %08x, this program is %08x)", key,
		              program_key);
		error = buf;
		return std::nullopt;
	}

	Schedule s;
	while (i < token.size()) {
		Decision d;
		if (!parse_decision(token, i, d, error))
			return std::nullopt;
		const std::size_t count_at = i;
		std::uint64_t count = 0;
		while (i < token.size() && token[i] >= '0' && token[i] <= '9') {
			count = count * 10 + static_cast<std::uint64_t>(token[i] - '0');
			if (count > kMaxDecisions) {
				error =
				    "repeat count too large at offset " + std::to_string(count_at);
				return std::nullopt;
			}
			++i;
		}
		if (i == count_at)
			count = 1;
		else if (count < 2) {
			error = "bad repeat count at offset " + std::to_string(count_at);
			return std::nullopt;
		}
		if (s.decisions.size() + count > kMaxDecisions) {
			error = "token has too many decisions";
			return std::nullopt;
		}
		s.decisions.insert(s.decisions.end(), count, d);
	}
	return s;
}

} // namespace explore
