// The real kernel's side of the hugetlb differential test (hugetlb_real_kernel.hpp).
//
// Each simulated process is a server process that executes mmap/munmap/access/fork/exit/shm
// requests, one text line per request over a Unix socket. fork() of a server uses clone with
// CLONE_PARENT, so that every server is a child of the test process, which can then wait for an
// exit to finish completely (mm teardown and the task work that evicts files) before it reads
// /proc/meminfo.
#include "hugetlb_real_kernel.hpp"

#include <fcntl.h>
#include <linux/falloc.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace realk {
namespace {

constexpr const char* kLockFile = "/tmp/mmcheck-hugetlb-differential.lock";

std::optional<unsigned long> read_ulong(const char* path)
{
	std::ifstream in(path);
	unsigned long v = 0;
	if (!(in >> v))
		return std::nullopt;
	return v;
}

bool write_ulong(const char* path, unsigned long v)
{
	int fd = ::open(path, O_WRONLY);
	if (fd < 0)
		return false;
	std::string s = std::to_string(v) + "\n";
	bool ok = ::write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
	::close(fd);
	return ok;
}

bool send_line(int fd, const std::string& line)
{
	std::string s = line + "\n";
	return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
}

std::optional<std::string> recv_line(int fd)
{
	std::string s;
	char c = 0;
	for (;;) {
		ssize_t n = ::recv(fd, &c, 1, 0);
		if (n <= 0)
			return std::nullopt;
		if (c == '\n')
			return s;
		s += c;
	}
}

int connect_to(const std::string& path)
{
	int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
	sockaddr_un a{};
	a.sun_family = AF_UNIX;
	std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
	if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
		::close(fd);
		return -1;
	}
	return fd;
}

// ---- the server (runs in the child processes) ----

sigjmp_buf g_bus_jmp;

void on_sigbus(int)
{
	siglongjmp(g_bus_jmp, 1);
}

struct Server {
	int fd;
	std::string sock_path;
	std::map<std::string, std::pair<char*, unsigned long>> maps;

	[[noreturn]] void serve()
	{
		struct sigaction sa {};
		sa.sa_handler = on_sigbus;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_NODEFER;
		sigaction(SIGBUS, &sa, nullptr);
		for (;;) {
			std::optional<std::string> line = recv_line(fd);
			if (!line)
				::_exit(0);
			std::istringstream in(*line);
			std::string cmd;
			in >> cmd;
			if (cmd == "exit")
				::_exit(0);
			send_line(fd, handle(cmd, in));
		}
	}

	std::string handle(const std::string& cmd, std::istringstream& in)
	{
		if (cmd == "mmap") {
			std::string map, path;
			unsigned long len = 0;
			int flags = 0, prot = 0;
			in >> map >> path >> len >> flags >> prot;
			int file_fd = -1;
			if (path != "-") {
				file_fd = ::open(path.c_str(), O_RDWR);
				if (file_fd < 0)
					return std::to_string(-errno);
			}
			void* p = ::mmap(nullptr, len, prot, flags, file_fd, 0);
			int err = errno;
			if (file_fd >= 0)
				::close(file_fd);
			if (p == MAP_FAILED)
				return std::to_string(-err);
			maps[map] = {static_cast<char*>(p), len};
			return "0";
		}
		if (cmd == "munmap") {
			std::string map;
			in >> map;
			auto it = maps.find(map);
			int r = ::munmap(it->second.first, it->second.second);
			maps.erase(it);
			return std::to_string(r == 0 ? 0 : -errno);
		}
		if (cmd == "access") {
			std::string map;
			unsigned long off = 0;
			int write = 0;
			in >> map >> off >> write;
			auto* p = reinterpret_cast<volatile std::uint64_t*>(maps[map].first + off);
			if (sigsetjmp(g_bus_jmp, 1) != 0)
				return "1";
			if (write)
				*p = off + 1;
			else
				(void)*p;
			return "0";
		}
		if (cmd == "fork") {
			// A child of the test process (CLONE_PARENT) with a copy of our address space.
			long pid = ::syscall(SYS_clone, CLONE_PARENT | SIGCHLD, nullptr, nullptr, nullptr, 0);
			if (pid < 0)
				return std::to_string(-errno);
			if (pid == 0) {
				::close(fd);
				fd = connect_to(sock_path);
				if (fd < 0)
					::_exit(1);
				send_line(fd, "hello " + std::to_string(::getpid()));
				serve();
			}
			return std::to_string(pid);
		}
		if (cmd == "shmat") {
			std::string map;
			int id = 0;
			in >> map >> id;
			void* p = ::shmat(id, nullptr, 0);
			if (p == reinterpret_cast<void*>(-1))
				return std::to_string(-errno);
			struct shmid_ds ds {};
			::shmctl(id, IPC_STAT, &ds);
			maps[map] = {static_cast<char*>(p), ds.shm_segsz};
			return "0";
		}
		if (cmd == "shmdt") {
			std::string map;
			in >> map;
			int r = ::shmdt(maps[map].first);
			maps.erase(map);
			return std::to_string(r == 0 ? 0 : -errno);
		}
		return "-22";
	}
};

} // namespace

std::optional<Meminfo> read_meminfo()
{
	std::ifstream in("/proc/meminfo");
	std::string key;
	unsigned long v = 0;
	Meminfo m;
	int seen = 0;
	while (in >> key >> v) {
		if (key == "HugePages_Total:")
			m.total = v, ++seen;
		else if (key == "HugePages_Free:")
			m.free = v, ++seen;
		else if (key == "HugePages_Rsvd:")
			m.rsvd = v, ++seen;
		else if (key == "HugePages_Surp:")
			m.surp = v, ++seen;
		in.ignore(1 << 10, '\n');
	}
	if (seen != 4)
		return std::nullopt;
	return m;
}

std::optional<std::string> unavailable()
{
	if (::geteuid() != 0)
		return "not root: cannot set /proc/sys/vm/nr_hugepages or mount hugetlbfs";
	if (!read_meminfo())
		return "no HugePages_* lines in /proc/meminfo (kernel without hugetlb)";
	if (::access("/proc/sys/vm/nr_hugepages", W_OK) != 0)
		return "/proc/sys/vm/nr_hugepages is not writable";
	return std::nullopt;
}

RealKernel::RealKernel() = default;

RealKernel::~RealKernel()
{
	stop_all();
	for (auto& [name, fd] : files_)
		::close(fd);
	for (int id : shmids_)
		::shmctl(id, IPC_RMID, nullptr);
	if (listen_fd_ >= 0)
		::close(listen_fd_);
	if (!sock_path_.empty())
		::unlink(sock_path_.c_str());
	if (mounted_) {
		// Files of the mount go with it.
		::umount2(dir_.c_str(), MNT_DETACH);
	}
	if (!dir_.empty())
		::rmdir(dir_.c_str());
	if (saved_overcommit_)
		write_ulong("/proc/sys/vm/nr_overcommit_hugepages", *saved_overcommit_);
	if (saved_nr_)
		write_ulong("/proc/sys/vm/nr_hugepages", *saved_nr_);
	if (lock_fd_ >= 0)
		::close(lock_fd_);
}

std::string RealKernel::setup()
{
	if (auto why = unavailable())
		return *why;
	// One differential run at a time on this machine (ctest may run tests in parallel).
	lock_fd_ = ::open(kLockFile, O_RDWR | O_CREAT, 0600);
	if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX) != 0)
		return "cannot lock " + std::string(kLockFile);
	saved_nr_ = read_ulong("/proc/sys/vm/nr_hugepages");
	saved_overcommit_ = read_ulong("/proc/sys/vm/nr_overcommit_hugepages");
	if (!saved_nr_ || !saved_overcommit_)
		return "cannot read the hugetlb sysctls";
	if (!write_ulong("/proc/sys/vm/nr_overcommit_hugepages", 0) ||
	    !write_ulong("/proc/sys/vm/nr_hugepages", 0))
		return "cannot write the hugetlb sysctls";
	auto m = read_meminfo();
	if (!m || m->total != 0 || m->rsvd != 0 || m->surp != 0)
		return "huge pages are in use on this machine (HugePages_Total does not drop to 0)";
	char tmpl[] = "/tmp/mmcheck-hugetlbfs-XXXXXX";
	if (::mkdtemp(tmpl) == nullptr)
		return "mkdtemp failed";
	dir_ = tmpl;
	if (::mount("none", dir_.c_str(), "hugetlbfs", 0, nullptr) != 0)
		return "cannot mount hugetlbfs: " + std::string(std::strerror(errno));
	mounted_ = true;
	sock_path_ = dir_ + ".sock";
	listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
	sockaddr_un a{};
	a.sun_family = AF_UNIX;
	std::snprintf(a.sun_path, sizeof a.sun_path, "%s", sock_path_.c_str());
	if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
	    ::listen(listen_fd_, 8) != 0)
		return "cannot listen on a Unix socket";
	return {};
}

bool RealKernel::set_nr_hugepages(unsigned long n)
{
	return write_ulong("/proc/sys/vm/nr_hugepages", n);
}

bool RealKernel::set_nr_overcommit_hugepages(unsigned long n)
{
	return write_ulong("/proc/sys/vm/nr_overcommit_hugepages", n);
}

bool RealKernel::create_file(const std::string& name, unsigned long size)
{
	int fd = ::open((dir_ + "/" + name).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return false;
	files_[name] = fd;
	return size == 0 || ::ftruncate(fd, static_cast<off_t>(size)) == 0;
}

int RealKernel::ftruncate(const std::string& name, unsigned long size)
{
	return ::ftruncate(files_[name], static_cast<off_t>(size)) == 0 ? 0 : -errno;
}

int RealKernel::fallocate(const std::string& name, int mode, unsigned long off, unsigned long len)
{
	return ::fallocate(files_[name], mode, static_cast<off_t>(off), static_cast<off_t>(len)) == 0
		       ? 0
		       : -errno;
}

int RealKernel::unlink(const std::string& name)
{
	int r = ::unlink((dir_ + "/" + name).c_str());
	::close(files_[name]);
	files_.erase(name);
	return r == 0 ? 0 : -errno;
}

int RealKernel::shmget(unsigned long size, int flags)
{
	int id = ::shmget(IPC_PRIVATE, size, flags | IPC_CREAT | 0600);
	if (id < 0)
		return -errno;
	shmids_.push_back(id);
	return id;
}

int RealKernel::shmctl_rmid(int id)
{
	std::erase(shmids_, id);
	return ::shmctl(id, IPC_RMID, nullptr) == 0 ? 0 : -errno;
}

bool RealKernel::accept_server(const std::string& name, int pid)
{
	pids_[name] = pid;
	int fd = ::accept(listen_fd_, nullptr, nullptr);
	if (fd < 0)
		return false;
	if (!recv_line(fd)) {
		::close(fd);
		return false;
	}
	servers_[name] = fd;
	return true;
}

bool RealKernel::spawn(const std::string& proc)
{
	pid_t pid = ::fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		// Only the test holds the files open (an inherited descriptor would keep an
		// unlinked inode alive).
		for (auto& [name, fd] : files_)
			::close(fd);
		::close(listen_fd_);
		::close(lock_fd_);
		Server s{connect_to(sock_path_), sock_path_, {}};
		if (s.fd < 0)
			::_exit(1);
		send_line(s.fd, "hello");
		s.serve();
	}
	return accept_server(proc, pid);
}

std::string RealKernel::request(const std::string& proc, const std::string& line)
{
	int fd = servers_.at(proc);
	if (!send_line(fd, line))
		return "-5";
	return recv_line(fd).value_or("-5");
}

int RealKernel::mmap(const std::string& proc, const std::string& map, const std::string& file,
		     unsigned long len, int flags, int prot)
{
	std::string path = file.empty() ? "-" : dir_ + "/" + file;
	return std::stoi(request(proc, "mmap " + map + " " + path + " " + std::to_string(len) + " " +
					       std::to_string(flags) + " " + std::to_string(prot)));
}

int RealKernel::munmap(const std::string& proc, const std::string& map)
{
	return std::stoi(request(proc, "munmap " + map));
}

int RealKernel::access(const std::string& proc, const std::string& map, unsigned long off,
		       bool write)
{
	return std::stoi(request(proc, "access " + map + " " + std::to_string(off) + " " +
					       (write ? "1" : "0")));
}

bool RealKernel::fork(const std::string& proc, const std::string& child)
{
	int pid = std::stoi(request(proc, "fork " + child));
	if (pid <= 0)
		return false;
	return accept_server(child, pid);
}

void RealKernel::exit(const std::string& proc)
{
	int fd = servers_.at(proc);
	pid_t pid = pids_.at(proc);
	send_line(fd, "exit");
	::close(fd);
	// proc may be the map's own key (stop_all): erase last.
	pids_.erase(proc);
	servers_.erase(proc);
	// Every server is our child (CLONE_PARENT): reap it, so that its exit, including the task
	// work that drops the last references to files, is complete.
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
}

int RealKernel::shmat(const std::string& proc, const std::string& map, int id)
{
	return std::stoi(request(proc, "shmat " + map + " " + std::to_string(id)));
}

int RealKernel::shmdt(const std::string& proc, const std::string& map)
{
	return std::stoi(request(proc, "shmdt " + map));
}

void RealKernel::stop_all()
{
	while (!servers_.empty()) {
		const std::string name = servers_.begin()->first;
		exit(name);
	}
}

} // namespace realk
