// The end-to-end oracle "user memory behaves like memory". An abstract specification of what
// each process's address space holds -- mappings with their permissions, private (anon and
// COW) contents per page, file contents per page -- kept independently of the model's page
// tables, pages and TLBs, and updated at the instants the model linearises them: a user
// access at its data access, a syscall at its commit (mm::AccessObserver::on_commit).
//
// Between a syscall's start and its commit, accesses to the range it changes may see the
// state before or after it (a stale TLB entry before the flush is legal then); outside such
// windows every access is checked exactly: a load returns the last value stored there (by
// this process, by a process sharing the page, or inherited at fork), a store or load that
// the mapping forbids faults, and an access that must fault does.
//
// Granularity: one word per 4 KiB page, as in the model.
#pragma once

#include "mm/kernel.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace check {

// The values a page may hold: usually one; a few after a race whose outcome is open (a store
// racing with MADV_DONTNEED, a store by the parent during fork); `or_file` also allows the
// current file contents (a private file page that may or may not have been COWed).
struct Cell {
	static constexpr int kMax = 4;
	std::array<std::uint64_t, kMax> v{};
	std::uint8_t n = 0;
	bool any = false;     // too many possibilities to track: anything goes
	bool or_file = false; // the backing file page's contents are also allowed

	static Cell of(std::uint64_t x)
	{
		Cell c;
		c.v[0] = x;
		c.n = 1;
		return c;
	}
	void add(std::uint64_t x);
	void merge(const Cell& o);
	bool allows(std::uint64_t x) const;
	bool allows_exact(std::uint64_t x) const;
	std::string str() const;
};

enum class MapKind : std::uint8_t { anon_private, file_shared, file_private };

struct AbsVma {
	unsigned long start = 0, end = 0;
	unsigned long prot = 0; // VM_READ | VM_WRITE | VM_EXEC
	MapKind kind = MapKind::anon_private;
	const mm::file* file = nullptr; // file_* (shared anon memory is a file too)
	mm::pgoff_t pgoff = 0;          // file page of `start`
	// hugetlb: a private page not yet written may be a zeroed page of its own (a fault on a
	// hole allocates one instead of adding it to the page cache), and SIGBUS is judged
	// against the reservations by World.
	bool hugetlb = false;
};

using Cells = std::vector<std::pair<unsigned long, Cell>>; // sorted by key

// One process's address space as the user sees it.
struct AbsSpace {
	const mm::process* proc = nullptr; // nullptr: a fork child not yet bound to its process
	std::vector<AbsVma> vmas; // sorted, disjoint
	Cells priv;               // page address -> private contents (anon, COWed file pages)
	bool exiting = false;
	std::uint64_t commits = 0; // syscalls committed on this space
	// Back to empty, keeping the vectors' memory (the oracle reuses spaces across schedules).
	void clear();
};

struct AbsFile {
	const mm::file* file = nullptr;
	unsigned long size = 0;
	Cells pages; // page index -> contents; absent = zero
};

// What an access may legally produce.
struct Expect {
	bool segv = false, bus = false, dead = false;
	bool value_ok = false; // the access may succeed (store) / return a value in `cell` (load)
	Cell cell;
	void merge(const Expect& o);
	bool allows(mm::access_result::Kind k) const;
	std::string str() const;
};

// A syscall between its start and its commit.
struct Pending {
	enum class Kind : std::uint8_t { none, mmap, munmap, mprotect, mremap, madvise, fork,
					 ftruncate, exit,
					 // issue #6: execve() replaces the space (new_vma + new_contents);
					 // setup_arg_pages() moves [start, end) to new_start, the VMA
					 // becoming new_vma
					 exec, exec_stack,
					 // issue #5: fallocate(PUNCH_HOLE) of [start, end) of file
					 punch_hole };
	Kind kind = Kind::none;
	AbsSpace* space = nullptr;
	unsigned long start = 0, end = 0; // affected range (mremap: the old range)
	// mmap: the new mapping; mprotect: prot in new_vma.prot; mremap: the new range
	AbsVma new_vma;
	unsigned long new_start = 0, new_len = 0;
	const mm::file* file = nullptr;   // ftruncate, punch_hole
	unsigned long new_size = 0;       // ftruncate
	unsigned long hole_start = 0, hole_end = 0; // punch_hole: bytes zeroed
	unsigned long whole_start = 0, whole_end = 0; // punch_hole: whole pages removed
	Cells stores;                     // values stored in the range before the commit
	bool committed = false;
	Cells child_snapshot;             // fork: the parent's private contents at the start
	AbsSpace* child = nullptr;        // fork: the child's space, made at commit
	Cells new_contents;               // exec: the new image's private contents (argv)
	// Back to Kind::none, keeping the vectors' memory.
	void clear();
};

class Oracle {
public:
	void reset();
	AbsSpace& space_of(const mm::process& p);
	AbsFile& file_of(const mm::file& f);

	void add_process(const mm::process& p);
	void add_file(const mm::file& f);

	// Pending syscalls, one per CPU. begin() before the syscall, commit() from on_commit,
	// end() after it returned with `result` (an error means the state did not change).
	Pending& begin(int cpu, Pending::Kind kind, const mm::process* p);
	void commit(int cpu);
	void end(int cpu);
	// The syscall in progress on cpu, or nullptr.
	Pending* pending(int cpu)
	{
		Pending& op = pending_[static_cast<std::size_t>(cpu)];
		return op.kind == Pending::Kind::none ? nullptr : &op;
	}
	// fork: the child's process, bound to the space built at commit.
	void bind_child(int cpu, const mm::process& child);

	// What an access at addr of p may produce now (pending syscalls included).
	Expect expect(const mm::process& p, unsigned long addr, bool write);
	// A successful access, at its step: checks a load's value, records a store. Returns an
	// explanation if it breaks the specification.
	std::optional<std::string> on_access(const mm::process& p, unsigned long addr, bool write,
					     std::uint64_t value);
	// The syscall counter of p's space (to know whether a fault result can be judged).
	std::uint64_t commits(const mm::process& p) { return space_of(p).commits; }
	// The abstract VMA at addr of p, if any.
	const AbsVma* vma_of(const mm::process& p, unsigned long addr);
	// Sets a file's size to the model's i_size (mmap and fallocate of hugetlbfs may grow it).
	void sync_file_size(const mm::file& f);

	// ---- GUP pins (issue #7): a device reading or writing through a pin ----
	// The contents at addr whatever the mapping's permission; value_ok is false while a
	// syscall in progress changes that address (the read is then not judged).
	Expect contents(const mm::process& p, unsigned long addr);
	// A DMA write through a pin: the process must now see `value` at addr.
	void dma_store(const mm::process& p, unsigned long addr, std::uint64_t value);

private:
	// The committed state's answer; with ignore_prot, the contents whatever the permission.
	Expect expect_committed(AbsSpace& s, unsigned long addr, bool write, bool ignore_prot = false);
	Expect expect_after(const Pending& op, AbsSpace& s, unsigned long addr, bool write);
	bool affects(const Pending& op, const AbsSpace& s, unsigned long addr) const;
	void apply(Pending& op);
	void store(AbsSpace& s, unsigned long addr, std::uint64_t value);
	// Records a store into the syscalls in progress that it races with; true if any.
	bool note_racing(AbsSpace& s, unsigned long addr, bool write, std::uint64_t value);
	// Removes [lo, hi) from a VMA list, splitting VMAs that straddle the edges.
	void punch(std::vector<AbsVma>& vmas, unsigned long lo, unsigned long hi);
	// An empty space or file from the pools.
	AbsSpace& new_space();
	AbsFile& new_file();

	// Pools reused across schedules, so that a warm oracle does not allocate: spaces_[0,
	// nspaces_) and files_[0, nfiles_) are in use. Deques: Pending keeps pointers into them.
	std::deque<AbsSpace> spaces_;
	std::size_t nspaces_ = 0;
	std::deque<AbsFile> files_;
	std::size_t nfiles_ = 0;
	std::array<Pending, 16> pending_{};
	// CPUs below this began a syscall since reset(); the others have none pending, so the
	// per-access loops over pending syscalls stop here.
	std::size_t npending_ = 0;
	std::span<Pending> used_pending() { return {pending_.data(), npending_}; }
	// Scratch buffers of apply() (kept for their memory).
	std::vector<AbsVma> scratch_vmas_, inside_;
	Cells scratch_cells_;
};

} // namespace check
