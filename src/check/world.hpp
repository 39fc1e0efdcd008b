// A checked world: one Kernel plus the checks that watch it. Scenario programs (litmus/) and
// tests drive the model through World, never through Kernel directly, so that every user
// access is judged by the memory oracle at the step it happens, every syscall is linearised
// at its commit, and the structural invariants run at quiescent points.
//
// Each operation runs on the calling sim task (= the CPU of that number) and returns what the
// kernel returns. Findings are raised as sim violations.
#pragma once

#include "check/invariants.hpp"
#include "check/oracle.hpp"
#include "check/pins.hpp"
#include "mm/kernel.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace check {

class World final : public mm::AccessObserver {
public:
	World();
	World(const World&) = delete;
	World& operator=(const World&) = delete;

	// A fresh machine. Call once per schedule, from the setup phase.
	void reset(const mm::Config& cfg);
	mm::Kernel& kernel() { return k_; }
	const mm::Kernel& kernel() const { return k_; }
	Oracle& oracle() { return oracle_; }
	Invariants& invariants() { return inv_; }

	// ---- operations (the scenario language's verbs) ----
	mm::process* create_process(std::string_view name);
	mm::file* create_file(std::string_view name, unsigned long size);
	long mmap(mm::process& p, unsigned long addr, unsigned long len, int prot, int flags,
		  mm::file* f = nullptr, unsigned long off = 0);
	int munmap(mm::process& p, unsigned long addr, unsigned long len);
	int mprotect(mm::process& p, unsigned long addr, unsigned long len, int prot);
	long mremap(mm::process& p, unsigned long addr, unsigned long old_len,
		    unsigned long new_len, int flags, unsigned long new_addr = 0);
	int madvise(mm::process& p, unsigned long addr, unsigned long len, int advice);
	mm::process* fork(mm::process& parent, std::string_view child_name);
	void exit(mm::process& p);
	int ftruncate(mm::file& f, unsigned long size);
	mm::access_result load(mm::process& p, unsigned long addr);
	mm::access_result store(mm::process& p, unsigned long addr, std::uint64_t value);

	// ---- hugetlb: pool, hugetlbfs, SysV shm (issue #5) ----
	// nr_hugepages / nr_overcommit_hugepages sysctls.
	int set_nr_hugepages(unsigned long count);
	int set_nr_overcommit_hugepages(unsigned long count);
	// A new file on the hugetlbfs mount (size: ftruncate, a multiple of 2 MiB), opened.
	mm::file* hugetlbfs_create(std::string_view name, unsigned long size = 0);
	// fallocate(): mode 0, FALLOC_FL_KEEP_SIZE, or FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE.
	int fallocate(mm::file& f, int mode, unsigned long offset, unsigned long len);
	// unlink() and close(): the file goes when nothing maps it.
	int unlink(mm::file& f);
	// SysV shm with SHM_HUGETLB (shmflg must include it).
	int shmget(int key, unsigned long size, int shmflg);
	long shmat(mm::process& p, int shmid, unsigned long addr, int shmflg);
	int shmdt(mm::process& p, unsigned long addr);
	int shmctl(int shmid, int cmd);
	// HugePages_Total / Free / Rsvd / Surp as /proc/meminfo shows them.
	mm::Kernel::hugetlb_meminfo meminfo() const { return k_.hugetlb_report_meminfo(); }

	// ---- rmap, migration, exec (issue #6) ----
	// move_pages(2) of the page p maps at addr; migration by pfn without mmap_lock
	// (compaction, memory hot-remove). Migration is invisible to the user: the memory oracle
	// checks every access across it.
	int move_pages(mm::process& p, unsigned long addr);
	int migrate_pfn(mm::pfn_t pfn);
	// The frame p maps at addr now, or no_pfn (pfn 0 is a frame like any other): a setup
	// helper that reads without scheduling.
	static constexpr mm::pfn_t no_pfn = ~mm::pfn_t{0};
	mm::pfn_t pfn_of(const mm::process& p, unsigned long addr) const;
	// execve() up to setup_arg_pages(): p's new mm holds only the temporary stack with argv
	// (one word per page) just below mm::STACK_TOP_MAX.
	int exec_begin(mm::process& p, const std::vector<std::uint64_t>& argv);
	// setup_arg_pages(): the stack moves to end at stack_top and grows by STACK_EXPAND.
	int exec_setup_arg_pages(mm::process& p, unsigned long stack_top);
	// The migration checks: rmap completeness when a remove_migration_ptes() walk finds
	// nothing where vma_address() points, and no
	// migration entry left when a migration ends. On by default; off shows what a leftover
	// entry does next (the fault on it, the kernel's BUG).
	void set_check_migration(bool on) { check_migration_ = on; }
	void on_rmap_miss(const mm::folio& walked, const mm::folio& src, const mm::vm_area_struct& vma,
			   unsigned long address) override;
	void on_migration_end(const mm::folio& src) override;

	// ---- GUP, THP, khugepaged (issue #7) ----
	// Pins nr pages from addr (FOLL_GET or FOLL_PIN in gup_flags, maybe FOLL_WRITE) by
	// GUP-fast with its slow-path fallback (fast) or by the slow path alone. Returns a
	// handle (>= 0) holding the pages GUP took (maybe fewer than nr), or a negative errno.
	int pin(mm::process& p, unsigned long addr, int nr, unsigned gup_flags, bool fast);
	// A device reading / writing page `index` of a pin (DMA), judged against the process's
	// view of that address while the pin is coherent (check/pins.hpp).
	std::uint64_t dma_read(int handle, int index);
	void dma_write(int handle, int index, std::uint64_t value);
	// unpin_user_pages() / put_page() of every page of the pin.
	void unpin(int handle);
	// The number of pages a pin holds (0 for a bad handle).
	int pin_pages(int handle);
	// echo always|never > /sys/kernel/mm/transparent_hugepage/enabled
	void set_thp(bool enabled);
	// khugepaged collapsing the 2 MiB range of p around addr. Returns an mm::scan_result.
	int collapse(mm::process& p, unsigned long addr);
	Pins& pins() { return pins_; }

	// ---- memory failure (issue #8) ----
	// soft_offline_page() of a frame (sysfs): invisible to the user, so the memory oracle checks
	// every access across it. madvise(MADV_SOFT_OFFLINE / MADV_HWPOISON) by address goes
	// through madvise().
	int soft_offline(mm::pfn_t pfn);
	// memory_failure() of a frame (hard offline): the file page it held reads zero afterwards
	// (lost), its mappers get SIGBUS (then or on access: vm.memory_failure_early_kill).
	int memory_failure(mm::pfn_t pfn);
	void set_memory_failure_early_kill(bool on);
	// The huge page the next hugetlb allocation takes (the newest usable free page), or nullptr:
	// a setup helper that reads without scheduling.
	mm::folio* next_free_hugepage();

	// ---- checks ----
	// The structural invariants, now (call only when no operation is in progress).
	void check_invariants();
	// Also run them whenever the last operation in progress ends (a quiescent point), not only
	// where the caller asks. On by default: it sees states that are wrong only for a while (a
	// stale TLB entry that a later flush removes) for +20-55% instructions per explored
	// schedule (docs/performance.md, "quiescent checks"); off explores faster.
	void set_check_quiescent(bool on) { check_quiescent_ = on; }
	// mm::AccessObserver
	void on_user_access(const mm::process& p, int cpu, unsigned long addr, bool write,
			    std::uint64_t value) override;
	void on_commit(int cpu, long result) override;

	std::string describe(sim::Op op, const void* obj) const { return k_.describe(op, obj); }

private:
	int cpu() const { return k_.this_cpu(); }
	// madvise(MADV_SOFT_OFFLINE / MADV_HWPOISON) (issue #8).
	int inject_error(mm::process& p, unsigned long addr, unsigned long len, int advice);
	// Tells the oracle that a hard error is about to lose the file page held by frame pfn.
	void begin_hard_error(mm::pfn_t pfn);
	void check_fault(mm::process& p, unsigned long addr, bool write, const Expect& before,
			 std::uint64_t commits_before, mm::access_result r, bool may_fail_before);

	// Operations in progress on any CPU. A plain int: changed between scheduling points by
	// the task that starts or ends an operation. Left as is when a violation unwinds a task
	// (the schedule is over; reset() clears it).
	void begin_op() { ++active_; }
	void end_op();

	mm::Kernel k_;
	Oracle oracle_;
	Invariants inv_;
	Pins pins_; // issue #7
	int active_ = 0;
	bool check_quiescent_ = true;
	bool check_migration_ = true; // issue #6
};

} // namespace check
