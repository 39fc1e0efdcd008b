// Physical memory: a fixed number of 4 KiB frames and their struct page, with order-0 and
// compound (order-9) allocation. Models the page allocator (mm/page_alloc.c) only as far as
// these races need: zone->lock becomes one scheduling point per allocation or free.
//
// Reuse policy: never-used frames are handed out first, then freed ones in the order they were
// freed (a quarantine, as KASAN keeps), so a stale pointer is caught as a use of a *freed* page
// rather than silently landing in a reused one.
#pragma once

#include "mm/page.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace mm {

class Phys {
public:
	// A fresh set of `nr_frames` free frames. Cheap: descriptors are initialised lazily.
	void reset(std::size_t nr_frames);

	// alloc_pages(): a folio of 2^order frames with refcount 1, contents zero; nullptr when
	// memory is exhausted. GFP_KERNEL may sleep (might_sleep).
	folio* alloc_pages(gfp_t gfp, int order);
	// Returns a folio whose refcount reached zero to the free frames (free_frozen_pages).
	void free_folio(folio* f);
	// The compound destructor of PG_hugetlb folios (free_huge_folio: back to the hugetlb pool).
	using FolioDtor = void (*)(void* ctx, folio* f);
	void set_hugetlb_dtor(FolioDtor fn, void* ctx)
	{
		hugetlb_dtor_ = fn;
		hugetlb_ctx_ = ctx;
	}
	// What folio_put() does when the last reference goes: the folio's destructor.
	void release(folio* f);
	// take_page_off_buddy() (issue #8): the free frame pfn leaves the allocator for good, as
	// an order-0 page with refcount 0 (memory failure then holds it). False if it is not free.
	bool take_page_off_buddy(pfn_t pfn);

	page* pfn_to_page(pfn_t pfn) { return &pages_[pfn]; }
	bool pfn_valid(pfn_t pfn) const { return pfn < nr_; }
	std::size_t nr_frames() const { return nr_; }
	std::size_t nr_free() const { return nr_free_; }
	// Frames handed out at least once this schedule (the rest are pristine).
	std::size_t high_water() const { return hw_; }
	bool is_free(pfn_t pfn) const { return free_bits_[pfn]; }
	// The descriptor that `p` points into (a field of a struct page), or nullptr.
	const page* page_containing(const void* p) const;

private:
	void init_frame(pfn_t pfn, page* head, int order);
	void push_free(pfn_t pfn);

	std::vector<page> pages_; // grows to the largest nr_frames seen; never shrinks
	std::vector<bool> free_bits_;
	std::vector<pfn_t> ring_; // freed frames, oldest first, from ring_head_
	std::size_t ring_head_ = 0;
	std::size_t nr_ = 0;
	std::size_t hw_ = 0;      // frames [hw_, nr_) were never handed out
	std::size_t nr_free_ = 0;
	FolioDtor hugetlb_dtor_ = nullptr;
	void* hugetlb_ctx_ = nullptr;
};

} // namespace mm
