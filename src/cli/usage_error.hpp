// Bad input at the command-line edge (STYLE.md C7, first class): the message goes to stderr
// as "mmcheck: <message>" and the process exits with kExitBadInput.
#pragma once

#include <stdexcept>
#include <string>

namespace cli {

class UsageError : public std::runtime_error {
public:
	explicit UsageError(const std::string& msg) : std::runtime_error(msg) {}
};

} // namespace cli
