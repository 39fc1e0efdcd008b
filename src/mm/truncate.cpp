// Dropping pages from the page cache. Models mm/truncate.c truncate_inode_pages_range and
// truncate_inode_folio (v6.x): each folio is locked, unmapped if a racing fault mapped it,
// removed from the cache, unlocked, and the cache's reference dropped.
//
// Differences: no partial pages (sizes are whole pages), no batching, no writeback.
#include "mm/internal.hpp"

#include "sim/frame.hpp"

#include <algorithm>

namespace mm {

// filemap_remove_folio(). Context: folio locked.
void filemap_remove_folio(address_space* mapping, folio* f)
{
	mapping->i_pages_lock.lock();
	auto& v = mapping->i_pages;
	auto it = std::find_if(v.begin(), v.end(), [f](const auto& e) { return e.second == f; });
	if (it != v.end())
		v.erase(it);
	f->mapping = nullptr;
	mapping->i_pages_lock.unlock();
}

void truncate_inode_pages_range(address_space* mapping, pgoff_t start, pgoff_t end)
{
	MM_FRAME("truncate_inode_pages_range");
	// find_lock_entries(): the folios in range, each with a reference.
	std::vector<folio*> batch;
	filemap_get_folios(mapping, start, end, batch);
	for (folio* f : batch) {
		MM_FRAME("truncate_inode_folio");
		folio_lock(f);
		if (f->mapping == mapping) {
			// A fault mapped it after the caller's unmap_mapping_range().
			if (f->_mapcount.load() >= 0)
				unmap_mapping_range(mapping, f->index, f->index + 1, false);
			filemap_remove_folio(mapping, f);
			folio_unlock(f);
			folio_put(f); // the cache's reference
		} else {
			folio_unlock(f);
		}
		folio_put(f); // ours
	}
}

} // namespace mm
