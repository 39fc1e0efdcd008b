#include "report/text.hpp"

namespace report {
namespace {
bool is_continuation(char c)
{
	return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}
} // namespace

std::size_t display_width(std::string_view s)
{
	std::size_t w = 0;
	for (char c : s)
		w += is_continuation(c) ? 0 : 1;
	return w;
}

std::string truncate(std::string_view s, std::size_t width)
{
	if (display_width(s) <= width)
		return std::string(s);
	if (width == 0)
		return {};
	// Keep width-1 code points, then the ellipsis; never split a UTF-8 sequence.
	std::size_t keep = width - 1, cols = 0, i = 0;
	for (; i < s.size(); ++i) {
		if (!is_continuation(s[i]) && cols++ == keep)
			break;
	}
	return std::string(s.substr(0, i)) + "\u2026";
}

std::string pad(std::string_view s, std::size_t width)
{
	std::string out(s);
	std::size_t w = display_width(s);
	if (w < width)
		out.append(width - w, ' ');
	return out;
}

} // namespace report
