// Reservations: reserve maps and their region operations, the per-fault reservation protocol
// (needs / commit / end), reservation at mmap and shmget, release at truncate, hole punch,
// eviction and VMA close. Models mm/hugetlb.c (v6.1, torvalds/linux 0010b838db9f):
// region_chg/add/abort/del/count, __vma_reservation_common, vma_has_reserves,
// restore_reserve_on_error, hugetlb_reserve_pages, hugetlb_unreserve_pages,
// hugetlb_vm_op_open/close/split, hugetlb_dup_vma_private.
//
// Semantics (races.md §4): an inode map holds the indices that are reserved or instantiated; a
// private owner's map holds the indices whose reservation was consumed.
//
// Differences: file_region descriptors are not allocated, only counted (region_cache_count and
// adds_in_progress keep the kernel's bookkeeping, and the lock is dropped to "allocate" where the
// kernel allocates, so the windows stay); allocation never fails; no subpools, no cgroups.
#include "mm/hugetlb.hpp"

#include "mm/internal.hpp"
#include "sim/frame.hpp"

#include <algorithm>
#include <climits>

namespace mm {
namespace {

// kmalloc(GFP_KERNEL) of region descriptors: may sleep; never fails here.
void kmalloc_region_entries()
{
	if (sim::Engine* e = sim::Engine::active())
		e->might_sleep("kmalloc(GFP_KERNEL) of file_region entries");
}

// add_reservation_in_range(). Context: resv->lock held. With regions_needed, counts the pages of
// [f, t) that are not in the map and the regions adding them needs; without, adds them.
long add_reservation_in_range(resv_map* resv, long f, long t, long* regions_needed)
{
	long add = 0;
	long needed = 0;
	long last = f;
	for (const file_region& rg : resv->regions) {
		if (rg.to <= f)
			continue;
		if (rg.from >= t)
			break;
		if (rg.from > last) {
			add += rg.from - last;
			++needed;
		}
		last = std::max(last, rg.to);
	}
	if (last < t) {
		add += t - last;
		++needed;
	}
	if (regions_needed != nullptr) {
		*regions_needed = needed;
		return add;
	}
	// Union [f, t) into the map, coalescing with touching regions as the kernel does.
	auto& v = resv->regions;
	long from = f, to = t;
	auto first = std::find_if(v.begin(), v.end(), [f](const file_region& r) { return r.to >= f; });
	auto last_it = first;
	while (last_it != v.end() && last_it->from <= t) {
		from = std::min(from, last_it->from);
		to = std::max(to, last_it->to);
		++last_it;
	}
	first = v.erase(first, last_it);
	v.insert(first, file_region{from, to});
	resv->region_cache_count -= needed;
	return add;
}

// allocate_file_region_entries(). Context: resv->lock held on entry and exit, dropped while
// allocating, so other region operations may run meanwhile.
void allocate_file_region_entries(resv_map* resv, long regions_needed)
{
	while (resv->region_cache_count < resv->adds_in_progress + regions_needed) {
		long to_allocate = resv->adds_in_progress + regions_needed - resv->region_cache_count;
		resv->lock.unlock();
		kmalloc_region_entries();
		resv->lock.lock();
		resv->region_cache_count += to_allocate;
	}
}

enum class vma_resv_mode { needs, commit, end, add, del };

// __vma_reservation_common().
long vma_reservation_common(vm_area_struct* vma, unsigned long addr, vma_resv_mode mode)
{
	resv_map* resv = vma_resv_map(vma);
	if (resv == nullptr)
		return 1;
	long idx = static_cast<long>(vma_hugecache_offset(vma, addr));
	bool shared = vma->flags() & VM_MAYSHARE;
	long ret = 0;
	long dummy = 0;
	switch (mode) {
	case vma_resv_mode::needs:
		ret = region_chg(resv, idx, idx + 1, &dummy);
		break;
	case vma_resv_mode::commit:
		ret = region_add(resv, idx, idx + 1, 1);
		break;
	case vma_resv_mode::end:
		region_abort(resv, idx, idx + 1, 1);
		ret = 0;
		break;
	case vma_resv_mode::add:
		if (shared) {
			ret = region_add(resv, idx, idx + 1, 1);
		} else {
			region_abort(resv, idx, idx + 1, 1);
			ret = region_del(resv, idx, idx + 1);
		}
		break;
	case vma_resv_mode::del:
		if (shared) {
			region_abort(resv, idx, idx + 1, 1);
			ret = region_del(resv, idx, idx + 1);
		} else {
			ret = region_add(resv, idx, idx + 1, 1);
		}
		break;
	}
	if (shared || mode == vma_resv_mode::del)
		return ret;
	// A private map records consumed reservations: the opposite sense of the shared one.
	if (ret > 0)
		return 0;
	if (ret == 0)
		return 1;
	return ret;
}

long vma_add_reservation(vm_area_struct* vma, unsigned long addr)
{
	return vma_reservation_common(vma, addr, vma_resv_mode::add);
}

long vma_del_reservation(vm_area_struct* vma, unsigned long addr)
{
	return vma_reservation_common(vma, addr, vma_resv_mode::del);
}

void set_vma_resv_map(vm_area_struct* vma, resv_map* map)
{
	vma->vm_private_data = map;
}

} // namespace

void resv_map::reset()
{
	refs.init(1);
	lock.owner = -1;
	lock.readers = 0;
	regions.clear();
	adds_in_progress = 0;
	region_cache_count = 1; // resv_map_alloc() puts one descriptor in the cache
	rw_sema.owner = -1;
	rw_sema.readers = 0;
	lt.revive();
}

resv_map* resv_map_alloc(Kernel& k)
{
	return hugetlb_of(k).resv_maps.alloc();
}

// kref_put(&resv_map->refs, resv_map_release).
void resv_map_put(resv_map* map)
{
	if (!map->refs.dec_and_test())
		return;
	MM_FRAME("resv_map_release");
	if (map->adds_in_progress != 0)
		sim::raise(sim::ViolationKind::assertion,
			   "resv_map_release with adds in progress (VM_BUG_ON(resv_map->adds_in_progress))");
	sim::lifetime_free(map->lt, map);
}

resv_map* inode_resv_map(const inode* ino)
{
	return static_cast<resv_map*>(ino->i_data.private_data);
}

resv_map* vma_resv_map(const vm_area_struct* vma)
{
	if (vma->flags() & VM_MAYSHARE)
		return inode_resv_map(vma->vm_file->f_inode);
	auto v = reinterpret_cast<std::uintptr_t>(vma->vm_private_data);
	return reinterpret_cast<resv_map*>(v & ~HPAGE_RESV_MASK);
}

bool is_vma_resv_set(const vm_area_struct* vma, std::uintptr_t flag)
{
	if (vma->flags() & VM_MAYSHARE)
		return false;
	return (reinterpret_cast<std::uintptr_t>(vma->vm_private_data) & flag) != 0;
}

void set_vma_resv_flags(vm_area_struct* vma, std::uintptr_t flags)
{
	auto v = reinterpret_cast<std::uintptr_t>(vma->vm_private_data);
	vma->vm_private_data = reinterpret_cast<void*>(v | flags);
}

pgoff_t vma_hugecache_offset(const vm_area_struct* vma, unsigned long address)
{
	return ((address - vma->start()) >> HPAGE_SHIFT) +
	       (vma->vm_pgoff.peek() >> HUGETLB_PAGE_ORDER);
}

// Models region_chg() (mm/hugetlb.c, v6.1): how many pages of [f, t) are not in the map; books
// the descriptors a following region_add() needs. Context: may sleep (drops resv->lock).
long region_chg(resv_map* resv, long f, long t, long* out_regions_needed)
{
	MM_FRAME("region_chg");
	resv->lock.lock();
	long chg = add_reservation_in_range(resv, f, t, out_regions_needed);
	if (*out_regions_needed == 0)
		*out_regions_needed = 1;
	allocate_file_region_entries(resv, *out_regions_needed);
	resv->adds_in_progress += *out_regions_needed;
	resv->lock.unlock();
	return chg;
}

// Models region_add() (mm/hugetlb.c, v6.1): add [f, t) to the map. Returns: the pages added
// (fewer than region_chg() said if someone added some meanwhile). Context: may sleep.
long region_add(resv_map* resv, long f, long t, long in_regions_needed)
{
	MM_FRAME("region_add");
	resv->lock.lock();
	for (;;) {
		long actual_regions_needed = 0;
		add_reservation_in_range(resv, f, t, &actual_regions_needed);
		if (actual_regions_needed > in_regions_needed &&
		    resv->region_cache_count <
			    resv->adds_in_progress + (actual_regions_needed - in_regions_needed)) {
			if (t - f <= 1)
				sim::raise(sim::ViolationKind::assertion,
					   "region_add of one page needs a new descriptor (VM_BUG_ON(t - f <= 1))");
			allocate_file_region_entries(resv, actual_regions_needed - in_regions_needed);
			continue;
		}
		break;
	}
	long add = add_reservation_in_range(resv, f, t, nullptr);
	resv->adds_in_progress -= in_regions_needed;
	resv->lock.unlock();
	return add;
}

// Models region_abort() (mm/hugetlb.c, v6.1).
void region_abort(resv_map* resv, long f, long t, long regions_needed)
{
	(void)f;
	(void)t;
	resv->lock.lock();
	resv->adds_in_progress -= regions_needed;
	resv->lock.unlock();
}

// Models region_del() (mm/hugetlb.c, v6.1): remove [f, t) from the map (t == LONG_MAX: all
// from f). Returns: the pages removed. Context: may sleep (a split needs a descriptor).
long region_del(resv_map* resv, long f, long t)
{
	MM_FRAME("region_del");
	bool have_spare = false;
	for (;;) {
		resv->lock.lock();
		auto& v = resv->regions;
		bool split = std::any_of(v.begin(), v.end(), [f, t](const file_region& r) {
			return f > r.from && t < r.to;
		});
		if (split && !have_spare) {
			if (resv->region_cache_count > resv->adds_in_progress) {
				--resv->region_cache_count;
				have_spare = true;
			} else {
				resv->lock.unlock();
				kmalloc_region_entries();
				have_spare = true;
				continue;
			}
		}
		long del = 0;
		std::vector<file_region> out;
		for (const file_region& r : v) {
			if (r.to <= f || r.from >= t) {
				out.push_back(r);
				continue;
			}
			long lo = std::max(r.from, f), hi = std::min(r.to, t);
			del += hi - lo;
			if (r.from < lo)
				out.push_back({r.from, lo});
			if (hi < r.to)
				out.push_back({hi, r.to});
		}
		v = std::move(out);
		if (have_spare && !split)
			++resv->region_cache_count; // the spare went unused: kfree()
		resv->lock.unlock();
		return del;
	}
}

// Models region_count() (mm/hugetlb.c, v6.1).
long region_count(resv_map* resv, long f, long t)
{
	resv->lock.lock();
	long chg = 0;
	for (const file_region& r : resv->regions) {
		if (r.to <= f)
			continue;
		if (r.from >= t)
			break;
		chg += std::min(r.to, t) - std::max(r.from, f);
	}
	resv->lock.unlock();
	return chg;
}

// Models vma_needs_reservation() (mm/hugetlb.c, v6.1). Returns: 0 if a reservation covers addr,
// 1 if not, or a negative errno. Books a descriptor: follow with commit or end.
long vma_needs_reservation(vm_area_struct* vma, unsigned long addr)
{
	return vma_reservation_common(vma, addr, vma_resv_mode::needs);
}

long vma_commit_reservation(vm_area_struct* vma, unsigned long addr)
{
	return vma_reservation_common(vma, addr, vma_resv_mode::commit);
}

void vma_end_reservation(vm_area_struct* vma, unsigned long addr)
{
	vma_reservation_common(vma, addr, vma_resv_mode::end);
}

// Models vma_has_reserves() (mm/hugetlb.c, v6.1): whether an allocation with this chg (from
// vma_needs_reservation()) may use a reservation.
bool vma_has_reserves(const vm_area_struct* vma, long chg)
{
	unsigned long fl = vma->flags();
	if (fl & VM_NORESERVE) {
		// A NORESERVE mapping faulting an index that another mapping reserved consumes that
		// reservation, or it would be left behind when the page lands in the page cache.
		return (fl & VM_MAYSHARE) && chg == 0;
	}
	if (fl & VM_MAYSHARE)
		return chg == 0; // chg != 0: a hole punched into the reserved range
	if (is_vma_resv_set(vma, HPAGE_RESV_OWNER))
		return chg == 0;
	return false; // fork children have no reservations
}

// Models restore_reserve_on_error() (mm/hugetlb.c, v6.1): before freeing a page that
// alloc_hugetlb_folio() gave us and that was never instantiated, make the reserve map agree with
// what free_huge_folio() will do with HPG_restore_reserve. Context: fault mutex held.
void restore_reserve_on_error(vm_area_struct* vma, unsigned long address, folio* f)
{
	MM_FRAME("restore_reserve_on_error");
	long rc = vma_needs_reservation(vma, address);
	if (folio_test(f, HPG_restore_reserve)) {
		if (rc < 0)
			folio_clear_flag(f, HPG_restore_reserve);
		else if (rc)
			vma_add_reservation(vma, address);
		else
			vma_end_reservation(vma, address);
	} else {
		if (rc == 0) {
			// An entry that alloc_hugetlb_folio() added: remove it, or the next allocation
			// would consume a reservation that does not exist.
			if (vma_del_reservation(vma, address) < 0)
				folio_set_flag(f, HPG_restore_reserve);
		} else if (rc < 0) {
			if (!(vma->flags() & VM_MAYSHARE))
				folio_set_flag(f, HPG_restore_reserve);
		} else {
			vma_end_reservation(vma, address);
		}
	}
}

// Models hugetlb_reserve_pages() (mm/hugetlb.c, v6.1): reserve pages [from, to) of the inode for
// a new mapping (vma) or a SysV segment (no vma). Shared: the pages not yet in the inode's map;
// private: the whole range, in a new map owned by this VMA. NORESERVE reserves nothing.
// Context: may sleep; the caller holds the inode's i_rwsem (mmap) or shm_ids.rwsem (shmget).
// Returns: true on success.
bool hugetlb_reserve_pages(inode* ino, long from, long to, vm_area_struct* vma,
			   unsigned long vm_flags)
{
	MM_FRAME("hugetlb_reserve_pages");
	Kernel& k = *ino->k;
	if (from > to)
		return false;
	// The vma lock is needed for PMD sharing and for fault/truncate synchronisation.
	hugetlb_vma_lock_alloc(vma);
	if (vm_flags & VM_NORESERVE)
		return true;
	resv_map* resv = nullptr;
	long chg = 0, add = -1, regions_needed = 0;
	bool shared = vma == nullptr || (vma->flags() & VM_MAYSHARE);
	if (shared) {
		resv = inode_resv_map(ino);
		chg = region_chg(resv, from, to, &regions_needed);
	} else {
		// Private: the whole range, even read-only (mprotect could make it writable) and even
		// where the file already has pages.
		resv = resv_map_alloc(k);
		chg = to - from;
		set_vma_resv_map(vma, resv);
		set_vma_resv_flags(vma, HPAGE_RESV_OWNER);
	}
	if (hugetlb_acct_memory(k, chg) < 0)
		goto out_err;
	if (shared) {
		add = region_add(resv, from, to, regions_needed);
		if (chg > add) {
			// Pages joined the map between region_chg and region_add (a racing
			// alloc_hugetlb_folio()): they are not reserved twice.
			hugetlb_acct_memory(k, -(chg - add));
		}
	}
	return true;
out_err:
	hugetlb_vma_lock_free(vma);
	if (shared && chg >= 0 && add < 0)
		region_abort(resv, from, to, regions_needed);
	if (vma != nullptr && is_vma_resv_set(vma, HPAGE_RESV_OWNER)) {
		resv_map_put(resv);
		set_vma_resv_map(vma, nullptr);
	}
	return false;
}

// Models hugetlb_unreserve_pages() (mm/hugetlb.c, v6.1): pages [start, end) left the inode
// (truncate, punch, evict), `freed` of them from the page cache; their reservations go.
long hugetlb_unreserve_pages(inode* ino, long start, long end, long freed)
{
	MM_FRAME("hugetlb_unreserve_pages");
	resv_map* resv = inode_resv_map(ino);
	long chg = 0;
	if (resv != nullptr)
		chg = region_del(resv, start, end);
	hugetlb_acct_memory(*ino->k, -(chg - freed));
	return 0;
}

// Models hugetlb_vm_op_open() (mm/hugetlb.c, v6.1): a VMA copied from another (split, fork).
// Context: mmap_lock held for write.
void hugetlb_vm_op_open(vm_area_struct* vma)
{
	resv_map* resv = vma_resv_map(vma);
	if (resv != nullptr && is_vma_resv_set(vma, HPAGE_RESV_OWNER))
		resv->refs.inc(); // split halves of an owner share its map
	if (vma->flags() & VM_MAYSHARE) {
		// The vma lock belongs to one VMA: a copy gets its own.
		auto* lock = static_cast<hugetlb_vma_lock*>(vma->vm_private_data);
		if (lock != nullptr && lock->vma != vma)
			vma->vm_private_data = nullptr;
		hugetlb_vma_lock_alloc(vma);
	}
}

// Models hugetlb_vm_op_close() (mm/hugetlb.c, v6.1): the VMA is being removed. A private owner
// gives back the reservations it has not consumed. Context: mmap_lock held for write.
void hugetlb_vm_op_close(vm_area_struct* vma)
{
	MM_FRAME("hugetlb_vm_op_close");
	hugetlb_vma_lock_free(vma);
	resv_map* resv = vma_resv_map(vma);
	if (resv == nullptr || !is_vma_resv_set(vma, HPAGE_RESV_OWNER))
		return;
	long start = static_cast<long>(vma_hugecache_offset(vma, vma->start()));
	long end = static_cast<long>(vma_hugecache_offset(vma, vma->end()));
	long reserve = (end - start) - region_count(resv, start, end);
	if (reserve)
		hugetlb_acct_memory(*vma->vm_file->f_inode->k, -reserve);
	resv_map_put(resv);
}

// Models hugetlb_vm_op_split() (mm/hugetlb.c, v6.1): only at huge page boundaries; a split that
// breaks a PUD-aligned range unshares its PMD table first (before v6.16, which moved it into
// the split).
int hugetlb_vm_op_split(vm_area_struct* vma, unsigned long addr)
{
	if (addr & ~HPAGE_MASK)
		return -EINVAL;
	if (addr & ~PUD_MASK) {
		unsigned long floor = addr & PUD_MASK;
		unsigned long ceil = floor + PUD_SIZE;
		if (floor >= vma->start() && ceil <= vma->end())
			hugetlb_unshare_pmds(vma, floor, ceil);
	}
	return 0;
}

// Models hugetlb_dup_vma_private() (mm/hugetlb.c, v6.1): a fork child's copy of the VMA has no
// reservations (private) and not its parent's vma lock (shared).
void hugetlb_dup_vma_private(vm_area_struct* vma)
{
	if (vma->flags() & VM_MAYSHARE) {
		auto* lock = static_cast<hugetlb_vma_lock*>(vma->vm_private_data);
		if (lock != nullptr && lock->vma != vma)
			vma->vm_private_data = nullptr;
	} else {
		vma->vm_private_data = nullptr;
	}
}

} // namespace mm
