// Reverse-mapping bookkeeping: anon_vma / anon_vma_chain lifetime and the per-page rmap
// counters. Models mm/rmap.c (v6.x): anon_vma_prepare, anon_vma_clone, anon_vma_fork,
// unlink_anon_vmas, folio_add_new_anon_rmap, folio_add_{anon,file}_rmap_pte,
// folio_remove_rmap_pte; and mm/mmap.c unlink_file_vma. rmap_walk comes with issue #6.
//
// Differences: the AVC interval trees are insertion-ordered lists (same iteration order for
// the equal keys that matter here); no anon_vma reuse on fork (no degree heuristics).
#include "mm/internal.hpp"
#include "sim/frame.hpp"

#include <algorithm>

namespace mm {

namespace {

void anon_vma_chain_link(vm_area_struct* vma, anon_vma_chain* avc, anon_vma* av)
{
	avc->vma = vma;
	avc->av = av;
	vma->anon_vma_chain.push_back(avc);
	// list_add_tail / interval-tree insert to the right: children come after parents.
	av->rb_root.push_back(avc);
}

} // namespace

// anon_vma_prepare(). Context: mmap_lock held (read is enough). May sleep.
int anon_vma_prepare(vm_area_struct* vma)
{
	if (vma->anon.load() != nullptr)
		return 0;
	MM_FRAME("__anon_vma_prepare");
	mm_struct* mm = vma->vm_mm;
	Kernel& k = kernel_of(mm);
	anon_vma* av = k.anon_vma_alloc();
	anon_vma_chain* avc = k.avc_alloc();
	av->rwsem.down_write();
	mm->page_table_lock.lock();
	bool used = false;
	if (vma->anon.peek() == nullptr) {
		anon_vma_chain_link(vma, avc, av);
		vma->anon.store(av);
		used = true;
	}
	mm->page_table_lock.unlock();
	av->rwsem.up_write();
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
		anon_vma* root = pavc->av->root;
		root->rwsem.down_write();
		anon_vma_chain_link(dst, avc, pavc->av);
		root->rwsem.up_write();
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
	av->root->rwsem.down_write();
	anon_vma_chain_link(dst, avc, av);
	av->root->rwsem.up_write();
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
		av->root->rwsem.down_write();
		auto& l = av->rb_root;
		l.erase(std::find(l.begin(), l.end(), avc));
		bool empty = l.empty();
		av->root->rwsem.up_write();
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

} // namespace mm
