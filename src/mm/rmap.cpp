// Reverse-mapping bookkeeping: anon_vma locking, anon_vma / anon_vma_chain lifetime and the
// per-page rmap counters. Models mm/rmap.c and include/linux/rmap.h (v6.x; 2.6.34 and the
// thread 003 RFCs behind the issue #6 switches): anon_vma_lock_*, anon_vma_prepare,
// anon_vma_clone, anon_vma_fork, unlink_anon_vmas, folio_add_new_anon_rmap,
// folio_add_{anon,file}_rmap_pte, folio_remove_rmap_pte; and mm/mmap.c unlink_file_vma.
// rmap_walk is in rmap_walk.cpp.
//
// Differences: the AVC interval trees are insertion-ordered lists (same iteration order for
// the equal keys that matter here); no anon_vma reuse on fork (no degree heuristics).
#include "mm/internal.hpp"
#include "mm/rmap.hpp"
#include "sim/frame.hpp"

#include <algorithm>

namespace mm {

bool anon_vma_spinlocks(const Kernel& k)
{
	// The rwsem came in 3.8; before it (and before 3.0's mutex) it was a spinlock.
	// Every 2010 proposal was written against it: those standing in for the root lock make
	// fixed() false, and the exec ones stand in for the temporary-stack skip.
	return !k.fixed(Fix::always_lock_root_anon_vma) || k.replaced(Fix::migrate_skip_temporary_stack);
}

bool anon_vma_lock_all_rfc(const Kernel& k)
{
	return k.proposal(Proposal::anon_vma_lock_all_v1) || k.proposal(Proposal::anon_vma_lock_all_v2) ||
	       k.proposal(Proposal::anon_vma_lock_all_v3);
}

bool rmap_walk_trylocks(const Kernel& k)
{
	return k.proposal(Proposal::rmap_walk_trylock_restart);
}

bool anon_vma_lock_root(const Kernel& k)
{
	// The proposals that stand in for the root lock (fixed() is false with one on) were
	// written for per-anon_vma locks.
	return k.fixed(Fix::always_lock_root_anon_vma);
}

namespace {
anon_vma* lock_target(anon_vma* av)
{
	return anon_vma_lock_root(*av->k) ? av->root : av;
}
} // namespace

// Models anon_vma_lock_write() (include/linux/rmap.h, v6.x; 2.6.34's anon_vma_lock()).
// Context: may sleep (rwsem) unless the 2010 spinlock is in use.
void anon_vma_lock_write(anon_vma* av)
{
	anon_vma* t = lock_target(av);
	if (anon_vma_spinlocks(*av->k))
		t->lock.lock();
	else
		t->rwsem.down_write();
}

void anon_vma_unlock_write(anon_vma* av)
{
	anon_vma* t = lock_target(av);
	if (anon_vma_spinlocks(*av->k))
		t->lock.unlock();
	else
		t->rwsem.up_write();
}

// Models anon_vma_lock_read() (include/linux/rmap.h, v6.x; a spinlock, so exclusive, in 2010).
void anon_vma_lock_read(anon_vma* av)
{
	anon_vma* t = lock_target(av);
	if (anon_vma_spinlocks(*av->k))
		t->lock.lock();
	else
		t->rwsem.down_read();
}

void anon_vma_unlock_read(anon_vma* av)
{
	anon_vma* t = lock_target(av);
	if (anon_vma_spinlocks(*av->k))
		t->lock.unlock();
	else
		t->rwsem.up_read();
}

// Models anon_vma_lock(vma, nest_lock) of Rik's RFC v1-v3 (thread 003, include/linux/rmap.h).
// Context: mmap_lock for write, or mmap_lock for read plus `nest`, which keeps the same_vma
// list stable; takes spinlocks.
// Differences: locks the chain oldest first (the RFC walked the list newest first); all are
// one lockdep class under the nest lock, so lockdep sees the same.
void anon_vma_lock_all(vm_area_struct* vma, const sim::LockBase& nest)
{
	if (vma->anon.peek() == nullptr)
		return;
	for (anon_vma_chain* avc : vma->anon_vma_chain)
		avc->av->lock.lock_nest_lock(nest);
}

void anon_vma_unlock_all(vm_area_struct* vma)
{
	if (vma->anon.peek() == nullptr)
		return;
	for (anon_vma_chain* avc : vma->anon_vma_chain)
		avc->av->lock.unlock();
}

// Models anon_vma_chain_link() (mm/rmap.c). Context: av's lock held for write.
void anon_vma_chain_link(vm_area_struct* vma, anon_vma_chain* avc, anon_vma* av)
{
	avc->vma = vma;
	avc->av = av;
	vma->anon_vma_chain.push_back(avc);
	// list_add_tail / interval-tree insert to the right: children come after parents, which
	// is what lets fork copy a migration entry without losing it (thread 003, Andrea).
	auto& l = av->rb_root;
	l.push_back(avc);
	if (av->k->mutant(Mutant::anon_vma_chain_prepend))
		std::rotate(l.begin(), l.end() - 1, l.end());
}

void anon_vma_chain_unlink(vm_area_struct* vma, anon_vma_chain* avc, anon_vma* av)
{
	auto& l = av->rb_root;
	l.erase(std::find(l.begin(), l.end(), avc));
	auto& c = vma->anon_vma_chain;
	c.erase(std::find(c.begin(), c.end(), avc));
}

// Models __anon_vma_prepare() (mm/rmap.c, v6.x; Rik's RFC orders behind the switches).
// Context: mmap_lock held (read is enough). May sleep. Returns: 0.
// Differences: Rik's RFC v2 order (anon_vma lock, then anon_vma_chain_lock) is inferred from
// v3's changelog ("fix lock ordering in anon_vma_prepare"); the v2 diff is not in the thread.
int anon_vma_prepare(vm_area_struct* vma)
{
	if (vma->anon.load() != nullptr)
		return 0;
	MM_FRAME("__anon_vma_prepare");
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	anon_vma* av = k.anon_vma_alloc();
	anon_vma_chain* avc = k.avc_alloc();
	// The lock that keeps two threads from preparing one VMA at once: page_table_lock,
	// or in Rik's RFC v2/v3 the new anon_vma_chain_lock (v3 takes it first).
	const bool chain_lock = k.proposal(Proposal::anon_vma_lock_all_v2) ||
				k.proposal(Proposal::anon_vma_lock_all_v3);
	sim::SpinLock& thread_lock = chain_lock ? mm->anon_vma_chain_lock : mm->page_table_lock;
	if (k.proposal(Proposal::anon_vma_lock_all_v3)) {
		thread_lock.lock();
		anon_vma_lock_write(av);
	} else {
		anon_vma_lock_write(av);
		thread_lock.lock();
	}
	bool used = false;
	if (vma->anon.peek() == nullptr) {
		anon_vma_chain_link(vma, avc, av);
		vma->anon.store(av);
		used = true;
	}
	if (k.proposal(Proposal::anon_vma_lock_all_v3)) {
		anon_vma_unlock_write(av);
		thread_lock.unlock();
	} else {
		thread_lock.unlock();
		anon_vma_unlock_write(av);
	}
	if (!used)
		put_anon_vma(av); // a concurrent fault prepared it first
	return 0;
}

// anon_vma_clone(): attach dst to every anon_vma src is attached to. Context: mmap_lock write.
int anon_vma_clone(vm_area_struct* dst, vm_area_struct* src)
{
	Kernel& k = kernel_of(src->vm_mm);
	for (anon_vma_chain* pavc : src->anon_vma_chain) {
		anon_vma_chain* avc = k.avc_alloc();
		anon_vma_lock_write(pavc->av);
		anon_vma_chain_link(dst, avc, pavc->av);
		anon_vma_unlock_write(pavc->av);
	}
	return 0;
}

// anon_vma_fork(): clone the parent's chain, then give the child its own anon_vma whose root
// is the parent's root. Context: mmap_lock write on both mms.
int anon_vma_fork(vm_area_struct* dst, vm_area_struct* src)
{
	MM_FRAME("anon_vma_fork");
	anon_vma* pav = src->anon.peek();
	if (pav == nullptr)
		return 0;
	dst->anon.init(nullptr);
	anon_vma_clone(dst, src);
	Kernel& k = kernel_of(src->vm_mm);
	anon_vma* av = k.anon_vma_alloc();
	av->root = pav->root;
	av->parent = pav;
	av->root->refcount.inc(); // the root lives as long as any descendant
	anon_vma_chain* avc = k.avc_alloc();
	anon_vma_lock_write(av);
	anon_vma_chain_link(dst, avc, av);
	anon_vma_unlock_write(av);
	dst->anon.store(av);
	return 0;
}

void put_anon_vma(anon_vma* av)
{
	if (!av->refcount.dec_and_test())
		return;
	anon_vma* root = av->root;
	sim::lifetime_free(av->lt, av);
	if (root != av)
		put_anon_vma(root);
}

// unlink_anon_vmas(): detach the VMA from every anon_vma; an anon_vma that no VMA is attached
// to any more drops the reference its tree held. Context: mmap_lock write (or exit).
void unlink_anon_vmas(vm_area_struct* vma)
{
	MM_FRAME("unlink_anon_vmas");
	for (anon_vma_chain* avc : vma->anon_vma_chain) {
		anon_vma* av = avc->av;
		anon_vma_lock_write(av);
		auto& l = av->rb_root;
		l.erase(std::find(l.begin(), l.end(), avc));
		bool empty = l.empty();
		anon_vma_unlock_write(av);
		if (empty)
			put_anon_vma(av);
	}
	vma->anon_vma_chain.clear();
}

void folio_add_new_anon_rmap(folio* f, vm_area_struct* vma, unsigned long addr)
{
	// A new page is exclusively ours: no other CPU can see it before the PTE is set.
	f->anon = vma->anon.peek();
	f->index = linear_page_index(vma, addr);
	f->flags.init(f->flags.peek() | PG_anon_exclusive | PG_swapbacked | PG_uptodate);
	f->_mapcount.store(0);
}

void folio_add_anon_rmap_pte(folio* f, vm_area_struct* vma, unsigned long addr)
{
	(void)vma;
	(void)addr;
	f->_mapcount.inc();
}

void folio_add_file_rmap_pte(folio* f, vm_area_struct* vma)
{
	(void)vma;
	f->_mapcount.inc();
}

void folio_remove_rmap_pte(folio* f, vm_area_struct* vma)
{
	(void)vma;
	int now = f->_mapcount.sub_return(1);
	if (now < -1)
		sim::raise(sim::ViolationKind::invariant,
			   "mapcount underflow on pfn " + std::to_string(f->pfn));
}

void vma_interval_tree_insert(vm_area_struct* vma, address_space* mapping)
{
	mapping->i_mmap_rwsem.down_write();
	mapping->i_mmap.push_back(vma);
	mapping->i_mmap_rwsem.up_write();
}

void vma_interval_tree_remove(vm_area_struct* vma, address_space* mapping)
{
	auto& l = mapping->i_mmap;
	auto it = std::find(l.begin(), l.end(), vma);
	if (it != l.end())
		l.erase(it);
}

void unlink_file_vma(vm_area_struct* vma)
{
	if (vma->vm_file == nullptr)
		return;
	MM_FRAME("unlink_file_vma");
	address_space* mapping = vma->vm_file->f_mapping;
	mapping->i_mmap_rwsem.down_write();
	vma_interval_tree_remove(vma, mapping);
	mapping->i_mmap_rwsem.up_write();
}

// ---- PMD-mapped THPs (issue #7, declared in huge_mm.hpp): the entire mapcount ----

void folio_add_new_anon_rmap_pmd(folio* f, vm_area_struct* vma, unsigned long haddr)
{
	// A new folio is exclusively ours (RMAP_EXCLUSIVE): nobody sees it before the PMD.
	f->anon = vma->anon.peek();
	f->index = linear_page_index(vma, haddr);
	f->flags.init(f->flags.peek() | PG_anon_exclusive | PG_swapbacked | PG_uptodate);
	f->_entire_mapcount.store(0);
}

void folio_add_anon_rmap_pmd(folio* f, vm_area_struct* vma)
{
	(void)vma;
	f->_entire_mapcount.inc();
}

void folio_remove_rmap_pmd(folio* f, vm_area_struct* vma)
{
	(void)vma;
	if (f->_entire_mapcount.sub_return(1) < -1)
		sim::raise(sim::ViolationKind::invariant,
			   "entire mapcount underflow on pfn " + std::to_string(f->pfn));
}

} // namespace mm
