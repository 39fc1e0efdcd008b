// Addresses in messages and trace labels, printed the way the kernel does ("%#lx").
#pragma once

#include <cstdio>
#include <string>

namespace mm {

inline std::string hex(unsigned long v)
{
	char buf[32];
	std::snprintf(buf, sizeof buf, "%#lx", v);
	return buf;
}

} // namespace mm
