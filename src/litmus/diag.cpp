#include "litmus/diag.hpp"

#include <algorithm>

namespace litmus {

std::string Loc::str() const
{
	std::string s = std::to_string(line) + ":" + std::to_string(col);
	if (end_col > col)
		s += "-" + std::to_string(end_col);
	return s;
}

Error::Error(std::string file, Loc loc, std::string message)
    : std::runtime_error(loc.line > 0 ? file + ":" + loc.str() + ": " + message
				      : file + ": " + message), file_(std::move(file)),
      loc_(loc), message_(std::move(message))
{}

std::string unexpected(std::string_view found, std::string_view expected)
{
	std::string shown(found.substr(0, 40));
	if (found.size() > 40)
		shown += "...";
	for (char& c : shown)
		if (static_cast<unsigned char>(c) < 0x20)
			c = ' ';
	return found.empty() ? "unexpected end of file (expected " + std::string(expected) + ")"
			     : "unexpected '" + shown + "' (expected " + std::string(expected) + ")";
}

namespace {

std::size_t distance(std::string_view a, std::string_view b)
{
	std::vector<std::size_t> row(b.size() + 1);
	for (std::size_t j = 0; j <= b.size(); ++j)
		row[j] = j;
	for (std::size_t i = 1; i <= a.size(); ++i) {
		std::size_t diag = row[0];
		row[0] = i;
		for (std::size_t j = 1; j <= b.size(); ++j) {
			std::size_t up = row[j];
			row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
			diag = up;
		}
	}
	return row[b.size()];
}

} // namespace

std::string did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates)
{
	if (word.size() > 64)
		return {};
	std::string best;
	std::size_t best_d = std::max<std::size_t>(1, word.size() / 3) + 1;
	for (std::string_view c : candidates) {
		std::size_t d = distance(word, c);
		if (d < best_d && d < word.size()) {
			best_d = d;
			best = c;
		}
	}
	return best;
}

std::string suggest(std::string_view word, const std::vector<std::string_view>& candidates)
{
	std::string best = did_you_mean(word, candidates);
	return best.empty() ? "" : "; did you mean '" + best + "'?";
}

std::string join(const std::vector<std::string_view>& v)
{
	std::string s;
	for (std::size_t i = 0; i < v.size(); ++i)
		s += (i ? ", " : "") + std::string(v[i]);
	return s;
}

} // namespace litmus
