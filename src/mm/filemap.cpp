// The page cache lookup of a tmpfs-like file. Models mm/filemap.c __filemap_get_folio with
// FGP_CREAT and filemap_add_folio (v6.x).
//
// Differences: lookups take the i_pages lock instead of the RCU walk + folio_try_get +
// xas_reload recheck (same outcome: a reference on a folio that was in the cache at the
// moment of the lookup); pages are never written back or reclaimed, so a page leaves the cache
// only by truncation; new pages are zeroed, as shmem's are.
#include "mm/internal.hpp"

#include "sim/frame.hpp"

#include <algorithm>

namespace mm {
namespace {

void page_cache_insert(address_space* mapping, pgoff_t index, folio* f)
{
	auto& v = mapping->i_pages;
	auto it = std::lower_bound(v.begin(), v.end(), index,
				   [](const auto& e, pgoff_t i) { return e.first < i; });
	v.insert(it, {index, f});
}

} // namespace

void filemap_get_folios(address_space* mapping, pgoff_t start, pgoff_t end,
			std::vector<folio*>& batch)
{
	mapping->i_pages_lock.lock();
	for (const auto& [index, f] : mapping->i_pages) {
		if (index >= start && index < end) {
			folio_get(f);
			batch.push_back(f);
		}
	}
	mapping->i_pages_lock.unlock();
}

folio* filemap_get_folio(address_space* mapping, pgoff_t index, bool create)
{
	MM_FRAME("__filemap_get_folio");
	mapping->i_pages_lock.lock();
	folio* f = mapping->find(index);
	if (f != nullptr)
		folio_get(f); // the cache's reference keeps it alive while we hold the lock
	mapping->i_pages_lock.unlock();
	if (f != nullptr || !create)
		return f;

	Kernel& k = *mapping->host->k;
	folio* n = k.phys().alloc_pages(gfp_t(GFP_KERNEL | __GFP_ZERO), 0);
	if (n == nullptr)
		return nullptr;
	// filemap_add_folio(): a racing fault may have added one first; use theirs.
	MM_FRAME("filemap_add_folio");
	mapping->i_pages_lock.lock();
	f = mapping->find(index);
	if (f != nullptr) {
		folio_get(f);
		mapping->i_pages_lock.unlock();
		folio_put(n);
		return f;
	}
	// Nobody else can see n yet: plain initialisation.
	n->mapping = mapping;
	n->index = index;
	n->flags.init(n->flags.peek() | PG_uptodate | PG_swapbacked);
	page_cache_insert(mapping, index, n);
	folio_get(n); // one reference for the cache, one (from the allocation) for the caller
	mapping->i_pages_lock.unlock();
	return n;
}

} // namespace mm
