// Reverse mapping: anon_vma locking, rmap_walk and the migration unmap walk. Models
// include/linux/rmap.h and mm/rmap.c (v6.x; the 2010 code of thread 003 behind the issue #6
// switches, see fixes.def).
//
// Which anon_vma lock is "the" lock depends on the modelled version:
//   today (v3.8+)       the root anon_vma's rwsem; every anon_vma of a fork tree shares it
//   2.6.36 .. 3.7       the root's spinlock            (always_lock_root_anon_vma, 012f18004da3)
//   2.6.34 (thread 003) each anon_vma's own spinlock    (always_lock_root_anon_vma off)
// With always_lock_root_anon_vma off or any thread 003 proposal on (they were written against
// 2.6.34), the anon_vma lock is a spinlock (anon_vma::lock), so holding it across something
// that may sleep is caught.
#pragma once

#include "mm/kernel.hpp"

namespace mm {

// vma_address() when the page cannot be in the VMA (-EFAULT in the 2010 code).
inline constexpr unsigned long EFAULT_ADDR = static_cast<unsigned long>(-EFAULT);

// The anon_vma lock is a spinlock (2.6.34 .. 2.6.38) rather than an rwsem.
bool anon_vma_spinlocks(const Kernel& k);
// The lock of every anon_vma is its root's (always_lock_root_anon_vma) rather than its own.
bool anon_vma_lock_root(const Kernel& k);
// Mel's trylock-and-restart walk (thread 003, patch 2/3).
bool rmap_walk_trylocks(const Kernel& k);
// One of Rik's take-all-the-locks RFCs (v1, v2 or v3) is on.
bool anon_vma_lock_all_rfc(const Kernel& k);

// anon_vma_lock_write() / anon_vma_unlock_write() / anon_vma_lock_read() / ..._read():
// the lock that protects av's tree, as the modelled version takes it.
void anon_vma_lock_write(anon_vma* av);
void anon_vma_unlock_write(anon_vma* av);
void anon_vma_lock_read(anon_vma* av);
void anon_vma_unlock_read(anon_vma* av);
// Rik's anon_vma_lock(vma, nest_lock) / anon_vma_unlock(vma): every anon_vma lock on the
// VMA's chain, nested under `nest` for lockdep (spin_lock_nest_lock).
void anon_vma_lock_all(vm_area_struct* vma, const sim::LockBase& nest);
void anon_vma_unlock_all(vm_area_struct* vma);

// anon_vma_chain_link(): attaches vma to av through avc. Context: av's lock held for write.
void anon_vma_chain_link(vm_area_struct* vma, anon_vma_chain* avc, anon_vma* av);
// The inverse, for an AVC linked by anon_vma_chain_link() (Andrea's fake VMA).
void anon_vma_chain_unlink(vm_area_struct* vma, anon_vma_chain* avc, anon_vma* av);

// vma_is_temporary_stack(): exec's stack before setup_arg_pages() moved it (one load).
bool vma_is_temporary_stack(vm_area_struct* vma);

// struct rmap_walk_control.
struct rmap_walk_control {
	void* arg = nullptr;
	// Called for each VMA that may map the folio, with its address there. False stops.
	bool (*rmap_one)(Kernel& k, folio* f, vm_area_struct* vma, unsigned long address,
			 void* arg) = nullptr;
	// Stops the walk early when true (folio_not_mapped).
	bool (*done)(folio* f) = nullptr;
	// VMAs the walk must skip (invalid_migration_vma).
	bool (*invalid_vma)(vm_area_struct* vma) = nullptr;
	// remove_migration_ptes(): the folio whose migration entries the walk restores. Such a
	// walk cannot fail: it has no error path, so every VMA must be examined.
	folio* restore_src = nullptr;
};

// vma_address(): where f must be mapped in vma, from the VMA's fields as they are stored at
// this instant (three loads, three scheduling points); EFAULT_ADDR if outside the VMA.
// *refused is set when the VMA's rmap declared itself untrustable (Kamezawa's flag).
unsigned long vma_address(Kernel& k, const folio* f, vm_area_struct* vma, bool* refused);
// rmap_walk(): every VMA that may map f, under the anon_vma or i_mmap lock.
// Context: f locked; may sleep (rwsem); takes the anon_vma lock or i_mmap_rwsem.
void rmap_walk(Kernel& k, folio* f, rmap_walk_control& rwc);

// try_to_migrate(): replaces every PTE mapping f by a migration entry.
// Context: f locked; may sleep.
void try_to_migrate(Kernel& k, folio* f);
// folio_mapped() of an order-0 folio, as one load.
bool folio_mapped(folio* f);

} // namespace mm
