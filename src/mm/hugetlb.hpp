// hugetlb: the hstate pool, reservations, the hugetlb vma lock, PMD sharing, hugetlbfs inodes and
// SysV shm segments of one Kernel. Models mm/hugetlb.c, include/linux/hugetlb.h,
// fs/hugetlbfs/inode.c and ipc/shm.c as of v6.1 (torvalds/linux 0010b838db9f, read through the
// search tool), plus the later rules each function names: the v6.2 hugetlb_walk() locking rule,
// the v6.7 private-VMA lock (resv_map->rw_sema) and the v6.13 pt_share_count.
//
// Simplified: one hstate (2 MiB pages, order 9) on one NUMA node; no cgroups, no hugetlbfs
// subpools (size=/min_size= mount options), no gigantic pages, no vmemmap optimisation, no
// userfaultfd, no page pinning at fork. hugetlb migration (issue #8) serves soft offline only. The
// hugetlb page-cache index counts huge pages (vma_hugecache_offset, as v6.1 does).
#pragma once

#include "mm/kernel.hpp"
#include "sim/engine.hpp"
#include "sim/mutex.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mm {

inline constexpr int HUGETLB_PAGE_ORDER = HPAGE_PMD_ORDER;
inline constexpr unsigned long HPAGE_SIZE = PMD_SIZE;
inline constexpr unsigned long HPAGE_MASK = PMD_MASK;
inline constexpr int HPAGE_SHIFT = PMD_SHIFT;

// folio->private bits of a hugetlb folio (enum hugetlb_page_flags, include/linux/hugetlb.h). The
// model keeps them in page::flags above the PG_ bits; set and cleared with atomic bit operations
// like the kernel's, or plainly while nobody else can see the folio.
inline constexpr unsigned long HPG_restore_reserve = 1ul << 16; // consumed a reservation
inline constexpr unsigned long HPG_migratable = 1ul << 17;
inline constexpr unsigned long HPG_temporary = 1ul << 18; // not accounted in the pool
inline constexpr unsigned long HPG_freed = 1ul << 19;     // on the hstate free list

// vm_private_data flag bits of a private (!VM_MAYSHARE) hugetlb VMA, below the resv_map pointer.
inline constexpr std::uintptr_t HPAGE_RESV_OWNER = 1u << 0;
inline constexpr std::uintptr_t HPAGE_RESV_UNMAPPED = 1u << 1;
inline constexpr std::uintptr_t HPAGE_RESV_MASK = HPAGE_RESV_OWNER | HPAGE_RESV_UNMAPPED;

// zap_flags_t (include/linux/mm.h).
inline constexpr unsigned ZAP_FLAG_DROP_MARKER = 1u << 0;
inline constexpr unsigned ZAP_FLAG_UNMAP = 1u << 1; // the final unmap of the VMA (munmap, exit)

// fallocate modes, SysV shm flags and commands (include/uapi).
inline constexpr int FALLOC_FL_KEEP_SIZE = 0x01;
inline constexpr int FALLOC_FL_PUNCH_HOLE = 0x02;
inline constexpr int IPC_CREAT = 01000;
inline constexpr int IPC_PRIVATE = 0;
inline constexpr int IPC_RMID = 0;
inline constexpr int SHM_RDONLY = 010000;
inline constexpr int SHM_HUGETLB = 04000;
inline constexpr int SHM_NORESERVE = 010000;

// struct hstate: the pool of one huge page size. Every counter and the free list are protected
// by hugetlb_globals::hugetlb_lock. Invariants (check/hugetlb_invariants): resv <= free <= nr,
// surplus <= nr, free == hugepage_freelist.size(), each free folio has refcount 0 and HPG_freed.
struct hstate {
	unsigned long max_huge_pages = 0;
	unsigned long nr_huge_pages = 0;      // HugePages_Total
	unsigned long free_huge_pages = 0;    // HugePages_Free
	unsigned long resv_huge_pages = 0;    // HugePages_Rsvd
	unsigned long surplus_huge_pages = 0; // HugePages_Surp
	unsigned long nr_overcommit_huge_pages = 0;
	// hugepage_freelists[0]: list_move() adds at the head and dequeue takes the first entry, so
	// the newest free page goes out first (back of the vector).
	std::vector<folio*> hugepage_freelist;
	// Serialises nr_hugepages changes (sysfs/sysctl writers).
	sim::Mutex resize_lock{&hugetlb_resize_lock_class};
};

struct file_region {
	long from = 0, to = 0; // [from, to) in huge pages
};

// struct resv_map: an inode's reserve map (indices reserved or instantiated) or a private
// mapping's (indices whose reservation was consumed). kref'd by its VMAs/inode.
struct resv_map {
	sim::Atomic<int> refs;
	sim::SpinLock lock{&resv_map_lock_class};
	// Protected by lock: sorted, disjoint, coalesced regions; descriptor bookkeeping of
	// region_chg() / region_add() (the descriptors themselves are not modelled, only their count).
	std::vector<file_region> regions;
	long adds_in_progress = 0;
	long region_cache_count = 0;
	// The hugetlb vma lock of a private owner VMA (v6.7, __vma_private_lock()).
	sim::RwSem rw_sema{&resv_map_rw_sema_class};
	sim::Lifetime lt;
	void reset();
};

// struct hugetlb_vma_lock: per VM_MAYSHARE VMA, in vm_private_data. Read: faults and page-table
// walkers; write: everything that may call huge_pmd_unshare(). Being present is also what makes
// the VMA a candidate PMD-sharing partner (page_table_shareable()).
struct hugetlb_vma_lock {
	sim::Atomic<int> refs; // kref: the VMA's reference plus hugetlb_unmap_file_folio()'s
	sim::RwSem rw_sema{&hugetlb_vma_lock_class};
	vm_area_struct* vma = nullptr; // cleared under rw_sema when the lock leaves its VMA
	sim::Lifetime lt;
	void reset();
};

// struct hugetlbfs_inode_info, reduced to what the model needs.
struct hugetlbfs_inode_info {
	inode* vfs_inode = nullptr; // immutable
	int ino = 0;                // immutable; keys the fault-mutex hash
	// References that keep the inode from eviction: the creator's open file and one per VMA
	// mapping it (get_file()/fput() of the kernel, folded into one count). Eviction needs
	// also i_nlink == 0.
	sim::Atomic<int> i_count;
	bool shm = false;     // S_PRIVATE: a SysV shm segment (reserved at shmget, not at mmap)
	bool evicted = false; // hugetlbfs_evict_inode() ran; written once by the last fput
	void reset()
	{
		vfs_inode = nullptr;
		ino = 0;
		i_count.init(0);
		shm = false;
		evicted = false;
	}
};

// struct shmid_kernel, reduced. Protected by shm_ids.rwsem.
struct shmid_kernel {
	int id = 0;
	int key = 0;
	unsigned long shm_segsz = 0;
	file* shm_file = nullptr;  // the hugetlbfs file behind the segment
	int shm_nattch = 0;        // attached VMAs
	bool dest = false;         // SHM_DEST: IPC_RMID seen, destroy at the last detach
	bool destroyed = false;
	void reset() { *this = shmid_kernel{}; }
};

// The kernel's globals of mm/hugetlb.c, fs/hugetlbfs and ipc/shm.c, for one Kernel.
struct hugetlb_globals {
	static constexpr int kFaultMutexes = 16;
	struct fault_mutex {
		sim::Mutex m{&hugetlb_fault_mutex_class};
	};

	Kernel* k = nullptr;
	hstate h;
	// The global hugetlb_lock: IRQ-safe, innermost (nothing that sleeps runs under it).
	sim::SpinLock hugetlb_lock{&hugetlb_lock_class};
	// hugetlb_fault_mutex_table: serialises faults, fallocate and hole punch per file page.
	std::array<fault_mutex, kFaultMutexes> hugetlb_fault_mutex_table;
	sim::RwSem shm_ids_rwsem{&shm_ids_rwsem_class};
	// Protected by shm_ids_rwsem.
	std::vector<shmid_kernel*> shm_ids;
	// Every hugetlbfs inode ever created this schedule (lookup by inode; creation and eviction
	// by the single task that does them).
	std::vector<hugetlbfs_inode_info*> inodes;
	int next_ino = 1;
	int next_shmid = 0;

	Pool<resv_map> resv_maps;
	Pool<hugetlb_vma_lock> vma_locks;
	Pool<hugetlbfs_inode_info> inode_infos;
	Pool<shmid_kernel> shms;

	// Dbg: checks only. VMAs whose final unmap has begun, and PMD tables that huge_pmd_share()
	// took from such a VMA (races.md §3 item 23: never share with a dying VMA).
	std::vector<const vm_area_struct*> dying;
	std::vector<std::pair<const vm_area_struct*, const mm_struct*>> shared_with_dying;
	// Files whose last reference a task dropped: __fput() runs as task work, on the way out of
	// the syscall, with no mmap_lock held (one list per CPU).
	std::array<std::vector<file*>, sim::kMaxTasks> task_work;

	void reset(Kernel& kernel);
	std::string describe(const void* obj) const;
};

inline hugetlb_globals& hugetlb_of(Kernel& k)
{
	return k.hugetlb();
}

// ---- VMA and file predicates (include/linux/hugetlb.h) ----
inline bool is_vm_hugetlb_page(const vm_area_struct* vma)
{
	return (vma->flags() & VM_HUGETLB) != 0;
}
inline bool is_file_hugepages(const file* f)
{
	return f != nullptr && f->f_inode->hugetlbfs;
}
hugetlbfs_inode_info* HUGETLBFS_I(Kernel& k, const inode* ino);
resv_map* inode_resv_map(const inode* ino);
resv_map* vma_resv_map(const vm_area_struct* vma);
bool is_vma_resv_set(const vm_area_struct* vma, std::uintptr_t flag);
void set_vma_resv_flags(vm_area_struct* vma, std::uintptr_t flags);
pgoff_t vma_hugecache_offset(const vm_area_struct* vma, unsigned long address);

// ---- the pool (hugetlb_pool.cpp) ----
unsigned long available_huge_pages(const hstate& h);
folio* alloc_hugetlb_folio(vm_area_struct* vma, unsigned long addr, bool avoid_reserve,
			    int* err = nullptr);
// The destructor run when a hugetlb folio's refcount drops to zero (free_huge_folio).
void free_huge_folio(Kernel& k, folio* f);
int set_max_huge_pages(Kernel& k, unsigned long count);
int hugetlb_acct_memory(Kernel& k, long delta);

// ---- pool internals, dissolve and hugetlb migration (issue #8) ----
// enqueue_huge_page(). Context: hugetlb_lock held; the folio has refcount 0.
void enqueue_hugetlb_folio(Kernel& k, hstate& h, folio* f);
// dequeue_huge_page_node_exact(): the newest usable free page, refcount 1. Context: hugetlb_lock.
folio* dequeue_hugetlb_folio_node_exact(hstate& h);
// remove_hugetlb_page(): the folio stops being a pool page. Context: hugetlb_lock held.
void remove_hugetlb_folio(hstate& h, folio* f, bool adjust_surplus);
// update_and_free_page(): back to the page allocator. Context: no spinlock held.
void update_and_free_hugetlb_folio(folio* f);
// alloc_fresh_huge_page(): a new frozen hugetlb folio counted in nr_huge_pages, or nullptr.
folio* alloc_fresh_hugetlb_folio(Kernel& k);
// dissolve_free_hugetlb_folio() (hugetlb_dissolve.cpp): 0 (dissolved, or not a hugetlb page),
// -EBUSY (in use, or every free page is reserved), -ENOMEM.
int dissolve_free_hugetlb_folio(Kernel& k, folio* f);
// alloc_and_dissolve_hugetlb_folio(): replace a free hugetlb folio by a new one (pool intact).
int alloc_and_dissolve_hugetlb_folio(Kernel& k, folio* old_folio);
// get_hwpoison_hugetlb_folio(): classify a hugetlb folio for memory failure under hugetlb_lock.
int get_hwpoison_hugetlb_folio(Kernel& k, folio* f, bool* hugetlb);
// isolate_hugetlb() / folio_putback_active_hugetlb(): take an in-use hugetlb folio for
// migration (with a reference) and give it back (dropping it).
bool isolate_hugetlb(Kernel& k, folio* f);
void folio_putback_active_hugetlb(Kernel& k, folio* f);
// The migration target (alloc_migration_target()): a pool page or a temporary one.
folio* alloc_hugetlb_folio_nodemask(Kernel& k);
void move_hugetlb_state(folio* old_folio, folio* new_folio);
// migrate_pages() of one isolated hugetlb folio (migrate_hugetlb.cpp). Consumes the isolation
// reference. Returns: 0, -EAGAIN, -ENOMEM.
int migrate_hugetlb_folio(Kernel& k, folio* src);
// Whether a hugetlb folio is mapped by a PMD entry somewhere (folio_mapped()).
bool hugetlb_folio_mapped(folio* f);

// ---- reservations (hugetlb_resv.cpp) ----
resv_map* resv_map_alloc(Kernel& k);
void resv_map_put(resv_map* map);
long region_chg(resv_map* resv, long f, long t, long* out_regions_needed);
long region_add(resv_map* resv, long f, long t, long in_regions_needed);
void region_abort(resv_map* resv, long f, long t, long regions_needed);
long region_del(resv_map* resv, long f, long t);
long region_count(resv_map* resv, long f, long t);
long vma_needs_reservation(vm_area_struct* vma, unsigned long addr);
long vma_commit_reservation(vm_area_struct* vma, unsigned long addr);
void vma_end_reservation(vm_area_struct* vma, unsigned long addr);
bool vma_has_reserves(const vm_area_struct* vma, long chg);
void restore_reserve_on_error(vm_area_struct* vma, unsigned long address, folio* f);
bool hugetlb_reserve_pages(inode* ino, long from, long to, vm_area_struct* vma,
			   unsigned long vm_flags);
long hugetlb_unreserve_pages(inode* ino, long start, long end, long freed);
void hugetlb_vm_op_open(vm_area_struct* vma);
void hugetlb_vm_op_close(vm_area_struct* vma);
int hugetlb_vm_op_split(vm_area_struct* vma, unsigned long addr);
void hugetlb_dup_vma_private(vm_area_struct* vma);

// ---- the hugetlb vma lock (hugetlb_vma_lock.cpp) ----
bool __vma_shareable_lock(const vm_area_struct* vma);
bool __vma_private_lock(const vm_area_struct* vma);
void hugetlb_vma_lock_read(vm_area_struct* vma);
void hugetlb_vma_unlock_read(vm_area_struct* vma);
void hugetlb_vma_lock_write(vm_area_struct* vma);
void hugetlb_vma_unlock_write(vm_area_struct* vma);
bool hugetlb_vma_trylock_write(vm_area_struct* vma);
void hugetlb_vma_assert_locked(vm_area_struct* vma);
void hugetlb_vma_lock_alloc(vm_area_struct* vma);
void hugetlb_vma_lock_free(vm_area_struct* vma);
void hugetlb_vma_lock_put(hugetlb_vma_lock* vma_lock);
void __hugetlb_vma_unlock_write_free(vm_area_struct* vma);

// ---- page tables and PMD sharing (hugetlb_pmd_share.cpp) ----
// huge_pte_offset(): the PMD entry for addr, or nullptr if no PMD table is there.
pte_t* huge_pte_offset(mm_struct* mm, unsigned long addr);
// hugetlb_walk(): huge_pte_offset() for a VMA, with the v6.2 rule asserted.
pte_t* hugetlb_walk(vm_area_struct* vma, unsigned long addr);
pte_t* huge_pte_alloc(mm_struct* mm, vm_area_struct* vma, unsigned long addr);
bool want_pmd_share(const vm_area_struct* vma, unsigned long addr);
pte_t* huge_pmd_share(mm_struct* mm, vm_area_struct* vma, unsigned long addr, pud_t* pud);
int huge_pmd_unshare(mm_struct* mm, vm_area_struct* vma, unsigned long addr, pte_t* ptep);
// huge_pmd_unshare() under the table's ptl, as every range walker calls it at a PUD range's first
// entry. Returns: true if the table was shared and this mm's reference to it is gone.
bool huge_pmd_unshare_locked(mm_struct* mm, vm_area_struct* vma, unsigned long addr, pte_t* ptep);
void hugetlb_unshare_pmds(vm_area_struct* vma, unsigned long start, unsigned long end);
// huge_pte_lock(): the PMD table's split lock (2 MiB entries), taken with a use-after-free check.
sim::SpinLock* huge_pte_lock(pte_t* ptep);

// ---- faults (hugetlb_fault.cpp) ----
vm_fault_t hugetlb_fault(mm_struct* mm, vm_area_struct* vma, unsigned long address,
			 unsigned flags);
// hugetlb_fault_mutex_table[hugetlb_fault_mutex_hash(mapping, idx)].
sim::Mutex& hugetlb_fault_mutex(Kernel& k, const address_space* mapping, pgoff_t idx);
// find_lock_page() of a hugetlbfs mapping: the folio at idx, locked, with a reference.
folio* find_lock_hugetlb_folio(address_space* mapping, pgoff_t idx);
int hugetlb_add_to_page_cache(folio* f, address_space* mapping, pgoff_t idx);
// clear_huge_page(): zero contents (one step: nobody else sees the page yet).
void clear_huge_page(folio* f);

// ---- unmap, mprotect, fork (hugetlb_unmap.cpp, hugetlb_mprotect.cpp, hugetlb_fork.cpp) ----
void __unmap_hugepage_range(mmu_gather& tlb, vm_area_struct* vma, unsigned long start,
			    unsigned long end, folio* ref_page, unsigned zap_flags);
void __unmap_hugepage_range_final(mmu_gather& tlb, vm_area_struct* vma, unsigned long start,
				  unsigned long end, folio* ref_page, unsigned zap_flags);
void unmap_hugepage_range(vm_area_struct* vma, unsigned long start, unsigned long end,
			  folio* ref_page, unsigned zap_flags);
unsigned long hugetlb_change_protection(vm_area_struct* vma, unsigned long address,
					unsigned long end, unsigned long newflags);
int copy_hugetlb_page_range(vm_area_struct* dst_vma, vm_area_struct* src_vma);

// ---- hugetlbfs and shm (hugetlbfs.cpp, shm.cpp) ----
int hugetlbfs_file_mmap(file* f, vm_area_struct* vma);
file* hugetlb_file_setup(Kernel& k, std::string_view name, unsigned long size,
			 unsigned long acctflag, bool shm);
void hugetlb_vmtruncate(inode* ino, unsigned long offset);
void hugetlbfs_fput(file* f);
void hugetlbfs_get_file(file* f);
// fdget() / fdput() for the length of a syscall on a file: another thread may close the
// descriptor meanwhile (unlink() of the scenarios closes the creator's), and the last fput()
// evicts the inode. fdget() fails (EBADF) once the last reference is gone, as get_file_rcu()
// does; a file still mapped somewhere stays reachable (the model has one count per inode).
// No-ops unless f is on hugetlbfs (other files are never evicted here).
// Returns: false if the file is gone.
bool hugetlbfs_fdget(file* f);
void hugetlbfs_fdput(file* f);
// task_work_run(): the deferred __fput()s of the calling CPU (inode eviction).
void hugetlb_task_work(Kernel& k);
// vm_ops->open / ->close of a hugetlb VMA: shm_open/shm_close for SysV attaches, then the
// hugetlb ops, with the file reference the VMA holds.
void hugetlb_vma_open(vm_area_struct* vma);
void hugetlb_vma_close(vm_area_struct* vma);
bool is_shm_file(Kernel& k, const file* f);
void shm_open(vm_area_struct* vma);
void shm_close(vm_area_struct* vma);
int hugetlbfs_setattr(inode* ino, unsigned long newsize);

// Dbg: races.md §3 item 23, checked when the dying VMA's tables are freed.
void hugetlb_free_pgtables_check(vm_area_struct* vma);

} // namespace mm
