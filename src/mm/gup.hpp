// get_user_pages: FOLL_* flags, pin accounting and the GUP entry points shared by the slow
// path (gup.cpp), GUP-fast (gup_fast.cpp) and fork (fork.cpp). Models include/linux/mm.h,
// mm/internal.h and mm/gup.c (v6.10).
#pragma once

#include "mm/internal.hpp"

namespace mm {

// FOLL_* (include/linux/mm_types.h). FOLL_GET and FOLL_PIN are mutually exclusive.
inline constexpr unsigned FOLL_WRITE = 1u << 0; // the caller will write to the pages
inline constexpr unsigned FOLL_GET = 1u << 1;   // a plain reference (get_user_pages)
inline constexpr unsigned FOLL_PIN = 1u << 10;  // a DMA pin (pin_user_pages)

// GUP_PIN_COUNTING_BIAS (include/linux/mm.h): FOLL_PIN adds this much to the refcount.
inline constexpr int GUP_PIN_COUNTING_BIAS = 1024;

// folio_maybe_dma_pinned(): the refcount says a FOLL_PIN may be held (false positives when
// a folio has 1024 ordinary references).
// Differences: large folios use the bias too (no _pincount, as before v5.7).
bool folio_maybe_dma_pinned(folio* f);

// try_grab_folio(): `refs` references of the kind `flags` asks for. Context: the page is
// stable (the caller holds the ptl that maps it). Returns the folio.
folio* try_grab_folio(page* pg, int refs, unsigned flags);
// gup_put_folio(): drops what try_grab_folio() or try_grab_folio_fast() took.
void gup_put_folio(folio* f, int refs, unsigned flags);
// gup_must_unshare(): a read-only FOLL_PIN of an anon page not known to be exclusive must
// first unshare it (FAULT_FLAG_UNSHARE), or a later COW would leave the pin behind.
bool gup_must_unshare(unsigned flags, page* pg);

// __get_user_pages(). Context: mmap_lock held for read. Returns: pages taken, or -errno if
// none.
long __get_user_pages(mm_struct* mm, unsigned long start, long nr_pages, unsigned gup_flags,
		      page** pages);
// get_user_pages_unlocked(): __get_user_pages() under mmap_lock taken for read.
long get_user_pages_unlocked(mm_struct* mm, unsigned long start, long nr_pages,
			     unsigned gup_flags, page** pages);
// gup_fast_fallback() (internal_get_user_pages_fast): GUP-fast, then the slow path for what
// GUP-fast did not take.
long gup_fast_fallback(mm_struct* mm, unsigned long start, long nr_pages, unsigned gup_flags,
		       page** pages);

} // namespace mm
