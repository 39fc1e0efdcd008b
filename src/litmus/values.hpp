// Typed values of arguments and config keys (docs/litmus.md, "Operations"): internal to
// litmus/ (sema.cpp).
#pragma once

#include "litmus/ast.hpp"
#include "litmus/registry.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace litmus {

// Parses a number token: 0x hex, or decimal with an optional K/M/G unit (when `units`).
// False if it is not one, or does not fit in 62 bits.
bool parse_number(std::string_view s, bool hex_only, bool units, std::uint64_t& out);
// The numeric value of `v` given to parameter `p` (number, errno, flags or choice),
// range-checked. Throws Error (in `file`) naming `what` ("addr of load") on a bad value.
std::int64_t value_of(const Param& p, const Value& v, std::string_view what, const std::string& file);

} // namespace litmus
