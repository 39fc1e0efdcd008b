// Text helpers for fixed-width reports: display width of UTF-8 text (object names and task
// names may carry non-ASCII) and truncation with an ellipsis.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace report {

// Columns `s` occupies on a terminal: one per code point (no wide or combining characters in
// anything mmcheck prints).
std::size_t display_width(std::string_view s);
// `s` cut to at most `width` columns; a cut string ends in "…".
std::string truncate(std::string_view s, std::size_t width);
// `s` padded with spaces to `width` columns (never cut).
std::string pad(std::string_view s, std::size_t width);

} // namespace report
