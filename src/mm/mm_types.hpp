// mm_struct, vm_area_struct, address_space/inode/file and anon_vma. Models
// include/linux/mm_types.h, fs.h, rmap.h (v6.x). Objects live in per-Kernel pools and are
// reused across schedules; reset() returns one to its freshly allocated state.
#pragma once

#include "mm/page.hpp"
#include "mm/pgtable.hpp"
#include "mm/types.hpp"
#include "sim/atomic.hpp"
#include "sim/lifetime.hpp"
#include "sim/lock_class.hpp"
#include "sim/rwsem.hpp"
#include "sim/seqcount.hpp"
#include "sim/spinlock.hpp"

#include <string>
#include <utility>
#include <vector>

namespace mm {

class Kernel;
struct anon_vma;
struct anon_vma_chain;
using anon_vma_chain_ptr = anon_vma_chain*;
struct address_space;
struct file;


// vm_flags (include/linux/mm.h).
enum : unsigned long {
	VM_READ = 0x1,
	VM_WRITE = 0x2,
	VM_EXEC = 0x4,
	VM_SHARED = 0x8,
	VM_MAYREAD = 0x10,
	VM_MAYWRITE = 0x20,
	VM_MAYEXEC = 0x40,
	VM_MAYSHARE = 0x80,
	VM_GROWSDOWN = 0x100,
	VM_SEQ_READ = 0x8000,
	VM_RAND_READ = 0x10000,
	VM_ACCOUNT = 0x100000,
	VM_NORESERVE = 0x200000,
	VM_HUGETLB = 0x400000,
	VM_STACK_INCOMPLETE_SETUP = VM_RAND_READ | VM_SEQ_READ,
};

// calc_vm_prot_bits(): PROT_* to VM_READ | VM_WRITE | VM_EXEC.
inline unsigned long calc_vm_prot_bits(int prot)
{
	return ((prot & PROT_READ) ? VM_READ : 0ul) | ((prot & PROT_WRITE) ? VM_WRITE : 0ul) |
	       ((prot & PROT_EXEC) ? VM_EXEC : 0ul);
}

struct vm_area_struct {
	// Range and file offset. Written under mmap_lock held for write (and the rmap locks the
	// modelled version takes); read with peek() by holders of mmap_lock, with load() by rmap
	// walkers that do not hold it (they may see a half-done update: issue #6).
	sim::Atomic<unsigned long> vm_start;
	sim::Atomic<unsigned long> vm_end;
	sim::Atomic<unsigned long> vm_pgoff;
	// Same rule as the range; huge_pmd_share reads another mm's VMA flags under i_mmap_rwsem.
	sim::Atomic<unsigned long> vm_flags;
	// Immutable after mmap.
	mm_struct* vm_mm = nullptr;
	file* vm_file = nullptr;
	// This VMA's own (newest) anon_vma. Set once by anon_vma_prepare() under
	// mm->page_table_lock; read locklessly (a non-null value never changes).
	sim::Atomic<anon_vma*> anon;
	// The same_vma list: one AVC per anon_vma this VMA is attached to. Changed under
	// mmap_lock for write (fork, unmap) or mmap_lock read + page_table_lock (prepare).
	std::vector<anon_vma_chain_ptr> anon_vma_chain;
	// hugetlb: vma lock or resv_map (issue #5). Written under mmap_lock write.
	void* vm_private_data = nullptr;
	// Kamezawa's proposal (thread 003): set while exec's stack has an untrustable rmap.
	// Written under mmap_lock write; read racily by rmap walkers (vma_address).
	sim::Atomic<int> unstable_rmap;
	// Check-only (races.md §3 item 22): the CPU that has stored part, but not all, of an
	// update of vm_start/vm_end/vm_pgoff, and the function doing it; -1 when none. Set and
	// cleared by that CPU with no scheduling point in between; read by vma_address().
	int adjusting = -1;
	const char* adjusting_by = nullptr;
	sim::Lifetime lt;

	void reset();
	unsigned long start() const { return vm_start.peek(); }
	unsigned long end() const { return vm_end.peek(); }
	unsigned long flags() const { return vm_flags.peek(); }
};

struct mm_struct {
	Kernel* k = nullptr;
	int id = 0;
	std::string name;
	sim::RwSem mmap_lock{&mmap_lock_class};
	// Upper-level table population and, without split locks, everything.
	sim::SpinLock page_table_lock{&page_table_lock_class};
	// Immutable while the mm lives.
	ptdesc* pgd = nullptr;
	// VMAs sorted by vm_start. Changed under mmap_lock for write; read under mmap_lock.
	std::vector<vm_area_struct*> mmap;
	// Users (threads, temporary users); exit_mmap() runs when it drops to zero.
	sim::Atomic<int> mm_users;
	// CPUs that may hold TLB entries of this mm (mm_cpumask). Set by a CPU when it first
	// walks this mm's tables; read by the TLB flush.
	sim::Atomic<sim::TaskMask> cpumask;
	// fork vs GUP-fast FOLL_PIN (issue #7).
	sim::SeqCount write_protect_seq;
	// Rik's RFC v2/v3 (thread 003): protects the same_vma lists with mmap_lock held for read.
	sim::SpinLock anon_vma_chain_lock{&anon_vma_chain_lock_class};
	bool dead = false; // exit_mmap() finished; under mmap_lock write
	sim::Lifetime lt;

	void reset();
};

// Page cache + i_mmap of a file (struct address_space).
struct address_space {
	struct inode* host = nullptr;
	// Protects i_mmap.
	sim::RwSem i_mmap_rwsem{&i_mmap_rwsem_class};
	std::vector<vm_area_struct*> i_mmap;
	// xa_lock of i_pages: protects the page cache.
	sim::SpinLock i_pages_lock{&i_pages_lock_class};
	std::vector<std::pair<pgoff_t, folio*>> i_pages; // sorted by index
	void* private_data = nullptr; // hugetlbfs: the inode's resv_map (issue #5)

	folio* find(pgoff_t index) const; // caller holds i_pages_lock or accepts a racy answer
	void reset();
};

struct inode {
	Kernel* k = nullptr; // immutable after inode_alloc()
	std::string name;
	sim::RwSem i_rwsem{&i_rwsem_class};
	address_space i_data;
	// File size in bytes. Written under i_rwsem; read racily (fault checks it).
	sim::Atomic<unsigned long> i_size;
	bool hugetlbfs = false;
	// hugetlbfs: its hugetlbfs_inode_info (the kernel's container_of); set at creation.
	struct hugetlbfs_inode_info* hugetlbfs_info = nullptr;
	bool shmem = false; // anonymous shared memory backing
	int nlink = 1;

	void reset();
};

struct file {
	inode* f_inode = nullptr;       // immutable after file_alloc()
	address_space* f_mapping = nullptr;
	void reset() { *this = file{}; }
	const std::string& name() const { return f_inode->name; }
};

// Reverse mapping of anon pages (mm/rmap.c). Only the root's rwsem is ever taken (since
// v2.6.36, "always lock the root anon_vma").
struct anon_vma {
	Kernel* k = nullptr;        // immutable after anon_vma_alloc()
	anon_vma* root = nullptr;   // immutable
	anon_vma* parent = nullptr; // immutable
	sim::RwSem rwsem{&anon_vma_rwsem_class};
	// 2010 (2.6.34) locking, selected by the issue #6 switches (mm/rmap.hpp): this anon_vma's
	// own spinlock, taken instead of the root's rwsem.
	sim::SpinLock lock{&anon_vma_lock_class};
	// Pins the anon_vma (AVCs and pages being migrated hold references).
	sim::Atomic<int> refcount;
	// The interval tree of AVCs, kept as a list in insertion order: equal keys go to the
	// right, so iteration order is insertion order (what fork vs migration relies on).
	// Changed under the anon_vma lock for write; walked under it (mm/rmap.hpp says which lock
	// that is: the root's rwsem, or with the 2010 switches this anon_vma's own spinlock).
	std::vector<anon_vma_chain*> rb_root;
	sim::Lifetime lt;

	void reset();
};

struct anon_vma_chain {
	vm_area_struct* vma = nullptr;
	anon_vma* av = nullptr;
	void reset() { *this = anon_vma_chain{}; }
};

} // namespace mm
