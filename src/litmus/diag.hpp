// Source locations and the bad-input error of the scenario language (STYLE.md C7, first
// class). Every message has herd's shape: `file:line:col-col: unexpected 'X' (expected Y)`.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace litmus {

// A span on one line: 1-based line and columns, `end_col` inclusive.
struct Loc {
	int line = 0;
	int col = 0;
	int end_col = 0;
	// "6:4-12", or "6:4" for a one-column span.
	std::string str() const;
};

// Bad input in a scenario file. what() is the whole one-line diagnostic.
class Error : public std::runtime_error {
public:
	Error(std::string file, Loc loc, std::string message);
	const std::string& file() const { return file_; }
	Loc loc() const { return loc_; }
	const std::string& message() const { return message_; }

private:
	std::string file_;
	Loc loc_;
	std::string message_;
};

// "unexpected 'X' (expected Y)" with X shown as written (cut at 40 characters).
std::string unexpected(std::string_view found, std::string_view expected);
// The closest of `candidates` to `word` within a small edit distance, or empty.
std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates);
// "; did you mean 'X'?" for the closest candidate, or empty.
std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates);
// "a, b, c".
std::string join(const std::vector<std::string_view>& v);

} // namespace litmus
