// A whole simulated machine: physical memory, page tables, CPUs and their TLBs, processes,
// files, fix switches. The explorer builds one world per schedule, so reset() must be cheap:
// every object comes from a pool that is reused (no heap churn once warm).
//
// The public API is the flat list of user-visible operations a scenario can issue.
#pragma once

#include "mm/fixes.hpp"
#include "mm/mm_types.hpp"
#include "mm/phys.hpp"
#include "mm/pgtable.hpp"
#include "mm/tlb.hpp"

#include <array>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace mm {

struct Config {
	std::size_t nr_frames = 4096; // 16 MiB of simulated RAM
	int ncpus = 2;                // CPUs whose TLBs exist (the explorer's tasks)
	TlbFlushMode tlb_flush = TlbFlushMode::ipi;
	TableFreeMode table_free = TableFreeMode::rcu;
	FixSet fixes;
};

// A process: a name, an mm, and what happened to it.
struct process {
	int pid = 0;
	std::string name;
	mm_struct* mm = nullptr;
	bool exited = false;
	int sigbus = 0;  // SIGBUS deliveries
	int sigsegv = 0; // SIGSEGV deliveries
	void reset() { *this = process{}; }
};

// Result of a user load or store.
struct access_result {
	enum Kind : std::uint8_t { ok, sigsegv, sigbus } kind = ok;
	std::uint64_t value = 0; // loaded value (loads)
};

// Object pools, one per type: stable addresses, reset on reuse.
template <class T> class Pool {
public:
	T* alloc()
	{
		if (used_ == items_.size())
			items_.emplace_back();
		T* t = &items_[used_++];
		t->reset();
		return t;
	}
	void clear() { used_ = 0; }
	std::size_t used() const { return used_; }
	T& at(std::size_t i) { return items_[i]; }

private:
	std::deque<T> items_;
	std::size_t used_ = 0;
};

class Kernel {
public:
	Kernel();
	~Kernel();
	Kernel(const Kernel&) = delete;
	Kernel& operator=(const Kernel&) = delete;

	// A fresh machine with `cfg`. Forgets every process, file and page.
	void reset(const Config& cfg);

	// ---- the user-visible operations ----
	process& create_process(std::string_view name);
	// mmap(): returns the address or a negative errno.
	long sys_mmap(process& p, unsigned long addr, unsigned long len, int prot, int flags,
		      file* f = nullptr, unsigned long off = 0);
	int sys_munmap(process& p, unsigned long addr, unsigned long len);
	int sys_mprotect(process& p, unsigned long addr, unsigned long len, int prot);
	long sys_mremap(process& p, unsigned long old_addr, unsigned long old_len,
			unsigned long new_len, int flags, unsigned long new_addr = 0);
	int sys_madvise(process& p, unsigned long addr, unsigned long len, int advice);
	// fork(): the child process (a copy of the parent's address space, COW).
	process& sys_fork(process& parent, std::string_view child_name);
	// exit(): the last user of the mm tears it down (exit_mmap).
	void sys_exit(process& p);
	// A user load or store on CPU `cpu`, through that CPU's TLB, faulting as needed.
	access_result user_load(process& p, int cpu, unsigned long addr);
	access_result user_store(process& p, int cpu, unsigned long addr, std::uint64_t value);
	// An in-memory file (tmpfs-like) of `size` bytes.
	file* create_file(std::string_view name, unsigned long size);

	// ---- state for the model and for check/ ----
	const Config& config() const { return cfg_; }
	bool fixed(Fix f) const { return cfg_.fixes.fixed(f); }
	bool mutant(Mutant m) const { return cfg_.fixes.mutant(m); }
	Phys& phys() { return phys_; }
	Pgtables& pgtables() { return pgtables_; }
	cpu_tlb& tlb(int cpu) { return tlbs_[static_cast<std::size_t>(cpu)]; }
	int ncpus() const { return cfg_.ncpus; }
	std::vector<process*>& processes() { return procs_; }
	std::vector<inode*>& inodes() { return inodes_; }

	mm_struct* mm_alloc(std::string_view name);
	vm_area_struct* vm_area_alloc(mm_struct* mm);
	void vm_area_free(vm_area_struct* vma);
	anon_vma* anon_vma_alloc();
	anon_vma_chain* avc_alloc();
	inode* inode_alloc(std::string_view name);
	file* file_alloc(inode* ino);
	process* process_of(const mm_struct* mm);

private:
	Config cfg_;
	Phys phys_;
	Pgtables pgtables_;
	std::array<cpu_tlb, 16> tlbs_{};
	Pool<mm_struct> mms_;
	Pool<vm_area_struct> vmas_;
	Pool<anon_vma> anon_vmas_;
	Pool<anon_vma_chain> avcs_;
	Pool<inode> inode_pool_;
	Pool<file> files_;
	Pool<process> proc_pool_;
	std::vector<process*> procs_;
	std::vector<inode*> inodes_;
	int next_id_ = 1;
};

// The Kernel of an mm (model functions reach global state through their mm).
inline Kernel& kernel_of(const mm_struct* mm)
{
	return *mm->k;
}

} // namespace mm
