// Page migration. Models mm/migrate.c (v6.x; 2.6.34's unmap_and_move has the same steps):
// isolate, lock, unmap to migration entries (try_to_migrate, mm/rmap.hpp), move the mapping
// and copy the contents, restore the entries to the new page (or to the old one on failure),
// unlock, free the old page.
#pragma once

#include "mm/kernel.hpp"

namespace mm {

// folio_isolate_lru(): takes the folio off the LRU for migration, with a reference of its own.
// False if someone else isolated it first.
bool folio_isolate_lru(folio* f);
// folio_putback_lru(): the inverse; drops the isolation reference.
void folio_putback_lru(folio* f);
// migrate_pages() of one isolated folio (MIGRATE_SYNC). Consumes the isolation reference.
// Context: may sleep; no spinlock held. Returns: 0, -EAGAIN (still mapped or referenced after
// the unmap walk: restored in place), -ENOMEM (no target page).
int migrate_folio_one(Kernel& k, folio* src);
// remove_migration_pte() at one address: if the PTE there is a migration entry for src,
// map dst instead. Context: the anon_vma or i_mmap lock, or (Mel's patch 3/3) src locked.
// `walked`: the folio whose rmap walk calls it (the observer hears of a miss), else nullptr.
bool remove_migration_pte(Kernel& k, vm_area_struct* vma, unsigned long addr, folio* src,
			  folio* dst, folio* walked = nullptr);
// remove_migration_ptes(): every migration entry for src becomes a PTE of dst (dst == src
// when the migration failed). Context: src and dst locked; may sleep.
void remove_migration_ptes(Kernel& k, folio* src, folio* dst);

} // namespace mm
