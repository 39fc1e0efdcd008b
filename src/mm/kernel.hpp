// A whole simulated machine: physical memory, page tables, CPUs and their TLBs, processes,
// files, fix switches. The explorer builds one world per schedule, so reset() must be cheap:
// every object comes from a pool that is reused (no heap churn once warm).
//
// The public API is the flat list of user-visible operations a scenario can issue. Each runs
// on the calling sim task, which stands for the CPU of the same number.
#pragma once

#include "mm/fixes.hpp"
#include "mm/mm_types.hpp"
#include "mm/phys.hpp"
#include "mm/pgtable.hpp"
#include "mm/tlb.hpp"
#include "sim/atomic.hpp"
#include "sim/op.hpp"

#include <array>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mm {

struct Config {
	std::size_t nr_frames = 4096; // 16 MiB of simulated RAM
	int ncpus = 2;                // CPUs whose TLBs exist (the explorer's tasks, init included)
	TlbFlushMode tlb_flush = TlbFlushMode::ipi;
	TableFreeMode table_free = TableFreeMode::rcu;
	// sysfs transparent_hugepage/enabled at boot: always (true) or never (issue #7).
	bool transparent_hugepage = false;
	FixSet fixes;
};

// A process: a name, an mm, and what happened to it. Signals are counted, not delivered:
// the operation that raised one returns it and the scenario decides what follows.
struct process {
	int pid = 0;
	std::string name;
	mm_struct* mm = nullptr;
	// Set by sys_exit() before the mm is dropped; read racily by accesses of other CPUs.
	bool exited = false;
	int sigbus = 0;  // SIGBUS deliveries
	int sigsegv = 0; // SIGSEGV deliveries
	void reset() { *this = process{}; }
};

// Result of a user load or store.
struct access_result {
	enum Kind : std::uint8_t {
		ok,
		sigsegv, // no VMA, or the VMA forbids the access
		sigbus,  // VM_FAULT_SIGBUS / VM_FAULT_HWPOISON
		oom,     // VM_FAULT_OOM: the kernel would invoke the OOM killer
		dead,    // the process had exited: the access never ran
	} kind = ok;
	std::uint64_t value = 0; // loaded value (loads)
};
const char* access_kind_name(access_result::Kind k);

// Sees user-visible effects at the step they take effect, so check/'s memory oracle
// linearises them exactly where the model does. Called with no scheduling point between the
// effect and the call. mm never depends on check/: check/ implements this.
class AccessObserver {
public:
	virtual ~AccessObserver() = default;
	// A user load or store, at its data access.
	virtual void on_user_access(const process& p, int cpu, unsigned long addr, bool write,
				    std::uint64_t value) = 0;
	// The syscall running on `cpu` has taken effect with return value `result`: called just
	// before it releases the lock that serialises it against the operations it must appear
	// atomic to (mmap_lock for mmap/munmap/mprotect/mremap/madvise/fork, i_rwsem for
	// ftruncate), after its flushes.
	virtual void on_commit(int cpu, long result)
	{
		(void)cpu;
		(void)result;
	}
	// rmap (issue #6): remove_migration_ptes() restoring `src`'s entries walks `walked`'s
	// rmap and finds none of them in `vma` at `address`, where vma_address() put it
	// (-EFAULT: nowhere). Called with the walk's rmap lock held and, for an address, with the
	// ptl of that PTE held, so no entry can move into that PTE meanwhile.
	virtual void on_rmap_miss(const folio& walked, const folio& src, const vm_area_struct& vma,
				  unsigned long address)
	{
		(void)walked;
		(void)src;
		(void)vma;
		(void)address;
	}
	// A migration of `src` is over (its entries restored, to the new page or to itself),
	// just before src is unlocked.
	virtual void on_migration_end(const folio& src) { (void)src; }
};

// Calls the observer's on_commit for the calling CPU, if there is an observer.
void observer_commit(Kernel& k, long result);

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
	const T& at(std::size_t i) const { return items_[i]; }

private:
	std::deque<T> items_;
	std::size_t used_ = 0;
};

struct hugetlb_globals;
struct memory_failure_state; // issue #8

class Kernel {
public:
	Kernel();
	~Kernel();
	Kernel(const Kernel&) = delete;
	Kernel& operator=(const Kernel&) = delete;

	// A fresh machine with `cfg`. Forgets every process, file and page.
	void reset(const Config& cfg);

	// ---- the user-visible operations ----
	// A new process with an empty address space; nullptr on -ENOMEM.
	process* create_process(std::string_view name);
	// mmap(): returns the address or a negative errno.
	long sys_mmap(process& p, unsigned long addr, unsigned long len, int prot, int flags,
		      file* f = nullptr, unsigned long off = 0);
	int sys_munmap(process& p, unsigned long addr, unsigned long len);
	int sys_mprotect(process& p, unsigned long addr, unsigned long len, int prot);
	// mremap(): the new address or a negative errno.
	long sys_mremap(process& p, unsigned long old_addr, unsigned long old_len,
			unsigned long new_len, int flags, unsigned long new_addr = 0);
	int sys_madvise(process& p, unsigned long addr, unsigned long len, int advice);
	// fork(): the child (a COW copy of the parent's address space), or nullptr on -ENOMEM.
	process* sys_fork(process& parent, std::string_view child_name);
	// exit(): drops the process's hold on its mm; the last user tears it down (exit_mmap).
	void sys_exit(process& p);
	// A user load or store of the word at `addr` (one word per 4 KiB page), on the calling
	// CPU, through its TLB, faulting as needed.
	access_result user_load(process& p, unsigned long addr);
	access_result user_store(process& p, unsigned long addr, std::uint64_t value);
	// An in-memory (tmpfs) file of `size` bytes; its pages start zeroed.
	file* create_file(std::string_view name, unsigned long size);
	// ftruncate(): 0 or a negative errno. Shrinking unmaps and drops the cut pages.
	int sys_ftruncate(file* f, unsigned long size);

	// ---- hugetlb: pool, hugetlbfs, SysV shm (issue #5) ----
	// echo N > /proc/sys/vm/nr_hugepages (set_max_huge_pages): 0 or a negative errno.
	int sys_set_nr_hugepages(unsigned long count);
	// echo N > /proc/sys/vm/nr_overcommit_hugepages.
	int sys_set_nr_overcommit_hugepages(unsigned long count);
	// open(O_CREAT) of a new file on the hugetlbfs mount, then ftruncate(size) if size > 0.
	// The caller holds one open reference (dropped by sys_unlink). nullptr on failure.
	file* hugetlbfs_create(std::string_view name, unsigned long size);
	// fallocate(): 0 or a negative errno (hugetlbfs only).
	int sys_fallocate(file* f, int mode, unsigned long offset, unsigned long len);
	// unlink() plus close() of the creator's descriptor: the inode goes when no VMA maps it.
	int sys_unlink(file* f);
	// SysV shm with SHM_HUGETLB: the segment id or a negative errno.
	int sys_shmget(int key, unsigned long size, int shmflg);
	long sys_shmat(process& p, int shmid, unsigned long addr, int shmflg);
	int sys_shmdt(process& p, unsigned long addr);
	int sys_shmctl(int shmid, int cmd);
	// The hstate counters as /proc/meminfo shows them (read racily, as meminfo does).
	struct hugetlb_meminfo {
		unsigned long total = 0, free = 0, rsvd = 0, surp = 0;
		bool operator==(const hugetlb_meminfo&) const = default;
	};
	hugetlb_meminfo hugetlb_report_meminfo() const;
	// Makes a file the kernel created (hugetlbfs, shm) known to files() and the checks.
	void register_file(file* f) { files_list_.push_back(f); }
	hugetlb_globals& hugetlb() { return *hugetlb_; }
	const hugetlb_globals& hugetlb() const { return *hugetlb_; }

	// ---- rmap, migration, exec (issue #6) ----
	// move_pages(2) of the page p maps at addr (to "another node": a fresh frame). Returns 0,
	// or -EFAULT (no VMA), -ENOENT (nothing mapped), -EBUSY (already isolated), -EAGAIN (the
	// migration failed: still mapped or referenced), -ENOMEM.
	int sys_move_pages(process& p, unsigned long addr);
	// Migration of the frame pfn without any mmap_lock, as compaction and memory hot-remove
	// do (do_migrate_range). 0 or a negative errno (-EBUSY: free, not a user page, isolated).
	int migrate_pfn(pfn_t pfn);
	// execve() up to setup_arg_pages(): a new mm whose only VMA is the temporary stack just
	// below STACK_TOP_MAX, holding argv (one word per page, argv[0] in the lowest page),
	// becomes p's mm. The process must be single-threaded (de_thread). 0 or -ENOMEM.
	int exec_begin(process& p, const std::vector<std::uint64_t>& argv);
	// setup_arg_pages(): moves the stack to end at stack_top (shift_arg_pages), clears the
	// temporary-stack marker and grows it by STACK_EXPAND. 0 or a negative errno.
	int exec_setup_arg_pages(process& p, unsigned long stack_top);
	// Check-only counters: rmap walks restarted (Mel's trylock proposal); migration entries
	// fork copied into a child (the interleaving fork's rmap order must make safe).
	unsigned long rmap_walk_restarts = 0;
	unsigned long fork_copied_migration_entries = 0;

	// ---- GUP, THP, khugepaged (issue #7) ----
	// get_user_pages_fast() / pin_user_pages_fast() (FOLL_PIN in gup_flags) on the calling
	// CPU for the current process p: GUP-fast, falling back to the slow path for the rest.
	// Fills pages[0..n) with referenced pages. Returns: n > 0, or a negative errno.
	long get_user_pages_fast(process& p, unsigned long start, int nr_pages, unsigned gup_flags,
				 page** pages);
	// get_user_pages_unlocked() / pin_user_pages_unlocked(): the slow path alone.
	long get_user_pages(process& p, unsigned long start, int nr_pages, unsigned gup_flags,
			    page** pages);
	// unpin_user_page() (FOLL_PIN) or put_page() (FOLL_GET) of one page GUP returned.
	void unpin_user_page(page* pg, unsigned gup_flags);
	// A device reading or writing a pinned page by DMA (one word per page).
	std::uint64_t dma_read(page* pg);
	void dma_write(page* pg, std::uint64_t value);
	// echo always|never > /sys/kernel/mm/transparent_hugepage/enabled
	void set_transparent_hugepage(bool enabled);
	bool transparent_hugepage_enabled() const { return thp_enabled_.peek(); }
	// khugepaged scanning the PMD range of p that contains addr and collapsing it into a THP
	// (hpage_collapse_scan_pmd -> collapse_huge_page). Returns: an enum scan_result value.
	int khugepaged_scan_pmd(process& p, unsigned long addr);
	// Read by THP-eligible faults (hugepage_global_enabled()); written by the sysfs store.
	const sim::Atomic<bool>& thp_enabled() const { return thp_enabled_; }

	// ---- memory failure (issue #8) ----
	// echo pfn > /sys/devices/system/memory/soft_offline_page: 0 or a negative errno (the page
	// is then as it was). Soft offline never kills and never breaks a reservation.
	int sys_soft_offline_page(pfn_t pfn);
	// memory_failure() of pfn: an uncorrected memory error (hard offline; MADV_HWPOISON
	// injects one by address through sys_madvise). 0 or a negative errno.
	int sys_memory_failure(pfn_t pfn);
	memory_failure_state& mf() { return *mf_; }
	const memory_failure_state& mf() const { return *mf_; }

	// ---- state for the model and for check/ ----
	const Config& config() const { return cfg_; }
	bool fixed(Fix f) const { return cfg_.fixes.fixed(f); }
	bool replaced(Fix f) const { return cfg_.fixes.replaced(f); }
	bool proposal(Proposal p) const { return cfg_.fixes.proposal(p); }
	bool mutant(Mutant m) const { return cfg_.fixes.mutant(m); }
	Phys& phys() { return phys_; }
	const Phys& phys() const { return phys_; }
	Pgtables& pgtables() { return pgtables_; }
	cpu_tlb& tlb(int cpu) { return tlbs_[static_cast<std::size_t>(cpu)]; }
	const cpu_tlb& tlb(int cpu) const { return tlbs_[static_cast<std::size_t>(cpu)]; }
	int ncpus() const { return cfg_.ncpus; }
	// The calling CPU: the current sim task, or 0 outside a schedule.
	int this_cpu() const;
	const std::vector<process*>& processes() const { return procs_; }
	const std::vector<file*>& files() const { return files_list_; }
	file* find_file(std::string_view name) const;
	void set_observer(AccessObserver* o) { observer_ = o; }
	AccessObserver* observer() const { return observer_; }

	mm_struct* mm_alloc(std::string_view name);
	vm_area_struct* vm_area_alloc(mm_struct* mm);
	void vm_area_free(vm_area_struct* vma);
	anon_vma* anon_vma_alloc();
	anon_vma_chain* avc_alloc();
	inode* inode_alloc(std::string_view name);
	file* file_alloc(inode* ino);
	process* process_of(const mm_struct* mm) const;

	// Names a model object for traces ("pte 0x40000000 (A)", "mmap_lock (B)"); empty if
	// the pointer is not one this Kernel knows.
	std::string describe(sim::Op op, const void* obj) const;

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
	std::vector<file*> files_list_; // named files (create_file), for lookup by name
	AccessObserver* observer_ = nullptr;
	int next_id_ = 1;
	std::unique_ptr<hugetlb_globals> hugetlb_; // issue #5
	std::unique_ptr<memory_failure_state> mf_; // issue #8
	sim::Atomic<bool> thp_enabled_; // issue #7: transparent_hugepage/enabled
};

// The Kernel of an mm (model functions reach global state through their mm).
inline Kernel& kernel_of(const mm_struct* mm)
{
	return *mm->k;
}

} // namespace mm
