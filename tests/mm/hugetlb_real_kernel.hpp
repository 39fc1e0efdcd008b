// The real kernel's side of the hugetlb differential test: the same operations as check::World,
// run through real syscalls by server processes (one per simulated process; fork() of a server
// makes a new one), with HugePages_* read from /proc/meminfo. Used by
// hugetlb_differential_test.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace realk {

struct Meminfo {
	unsigned long total = 0, free = 0, rsvd = 0, surp = 0;
	bool operator==(const Meminfo&) const = default;
};
std::optional<Meminfo> read_meminfo();

// Why the real kernel cannot be used here, or nullopt if it can.
std::optional<std::string> unavailable();

// Sets and restores the pool sysctls, mounts hugetlbfs on a temporary directory, serialises
// differential runs across processes (flock), and runs the server processes.
class RealKernel {
public:
	RealKernel();
	~RealKernel();
	RealKernel(const RealKernel&) = delete;
	RealKernel& operator=(const RealKernel&) = delete;

	// Empty string on success, else why the environment is unusable (the test then skips).
	std::string setup();

	bool set_nr_hugepages(unsigned long n);
	bool set_nr_overcommit_hugepages(unsigned long n);
	// Files on the mount, held open by this (test) process.
	bool create_file(const std::string& name, unsigned long size);
	int ftruncate(const std::string& name, unsigned long size);
	int fallocate(const std::string& name, int mode, unsigned long off, unsigned long len);
	int unlink(const std::string& name); // and close
	int shmget(unsigned long size, int flags);
	int shmctl_rmid(int id);

	// Process operations, run by the server of `proc`. Results: >= 0 ok, < 0 -errno; for
	// accesses 0 ok, 1 SIGBUS.
	bool spawn(const std::string& proc);
	int mmap(const std::string& proc, const std::string& map, const std::string& file,
		 unsigned long len, int flags, int prot);
	int munmap(const std::string& proc, const std::string& map);
	int access(const std::string& proc, const std::string& map, unsigned long off, bool write);
	bool fork(const std::string& proc, const std::string& child);
	void exit(const std::string& proc);
	int shmat(const std::string& proc, const std::string& map, int id);
	int shmdt(const std::string& proc, const std::string& map);

private:
	std::string request(const std::string& proc, const std::string& line);
	bool accept_server(const std::string& name, int pid);
	void stop_all();

	std::string dir_;
	std::string sock_path_;
	int listen_fd_ = -1;
	int lock_fd_ = -1;
	bool mounted_ = false;
	std::optional<unsigned long> saved_nr_, saved_overcommit_;
	std::map<std::string, int> servers_; // process name -> socket
	std::map<std::string, int> pids_;    // process name -> pid (all our children)
	std::map<std::string, int> files_;   // file name -> fd
	std::vector<int> shmids_;
};

} // namespace realk
