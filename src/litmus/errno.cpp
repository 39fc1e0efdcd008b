// errno names a scenario may write as values (-ENOMEM) and results print as.
#include "litmus/registry.hpp"

#include <cerrno>

namespace litmus {
namespace {

struct Errno {
	const char* name;
	int value;
};

constexpr Errno kErrnos[] = {
    {"EPERM", EPERM},   {"ENOENT", ENOENT}, {"ESRCH", ESRCH},   {"EINTR", EINTR},
    {"EIO", EIO},       {"E2BIG", E2BIG},   {"EBADF", EBADF},   {"EAGAIN", EAGAIN},
    {"ENOMEM", ENOMEM}, {"EACCES", EACCES}, {"EFAULT", EFAULT}, {"EBUSY", EBUSY},
    {"EEXIST", EEXIST}, {"EINVAL", EINVAL}, {"ENFILE", ENFILE}, {"EMFILE", EMFILE},
    {"EFBIG", EFBIG},   {"ENOSPC", ENOSPC}, {"ERANGE", ERANGE}, {"ENOSYS", ENOSYS},
    {"EIDRM", EIDRM},   {"EOVERFLOW", EOVERFLOW}, {"EOPNOTSUPP", EOPNOTSUPP},
    {"EHWPOISON", 133},
};

} // namespace

std::string errno_name(std::int64_t e)
{
	for (const Errno& x : kErrnos)
		if (x.value == e)
			return x.name;
	return {};
}

bool errno_value(std::string_view name, std::int64_t& out)
{
	for (const Errno& x : kErrnos) {
		if (name == x.name) {
			out = x.value;
			return true;
		}
	}
	return false;
}

} // namespace litmus
