// Models mm/page_alloc.c (v6.x) at the level of "a frame is free or owned", plus struct page
// reference counting (include/linux/page_ref.h, mm/swap.c: folio_put).
#include "mm/phys.hpp"

#include "sim/engine.hpp"
#include "sim/frame.hpp"
#include "sim/verify.hpp"

#include <string>

namespace mm {

void Phys::reset(std::size_t nr_frames)
{
	if (pages_.size() < nr_frames)
		pages_ = std::vector<page>(nr_frames);
	nr_ = nr_frames;
	free_bits_.assign(nr_frames, true);
	ring_.clear();
	ring_head_ = 0;
	hw_ = 0;
	nr_free_ = nr_frames;
}

const page* Phys::page_containing(const void* p) const
{
	if (pages_.empty())
		return nullptr;
	auto a = reinterpret_cast<std::uintptr_t>(p);
	auto lo = reinterpret_cast<std::uintptr_t>(pages_.data());
	auto hi = reinterpret_cast<std::uintptr_t>(pages_.data() + nr_);
	if (a < lo || a >= hi)
		return nullptr;
	return &pages_[(a - lo) / sizeof(page)];
}

void Phys::init_frame(pfn_t pfn, page* head, int order)
{
	page& p = pages_[pfn];
	p.pfn = pfn;
	p.phys = this;
	p._refcount.init(&p == head ? 1 : 0);
	p._mapcount.init(-1);
	p._entire_mapcount.init(-1);
	p.flags.init(&p == head && order > 0 ? static_cast<unsigned long>(PG_head) : 0ul);
	p.lock.owner = -1;
	p.lock.readers = 0;
	p.anon = nullptr;
	p.mapping = nullptr;
	p.index = 0;
	p.data.init(0);
	p.order = static_cast<std::uint8_t>(&p == head ? order : 0);
	p.head = head;
	p.lt.revive();
	++p.gen;
	p.pt = nullptr;
	free_bits_[pfn] = false;
	--nr_free_;
}

void Phys::push_free(pfn_t pfn)
{
	free_bits_[pfn] = true;
	++nr_free_;
	ring_.push_back(pfn);
}

folio* Phys::alloc_pages(gfp_t gfp, int order)
{
	MM_FRAME("alloc_pages");
	if (gfp & GFP_KERNEL) {
		if (sim::Engine* e = sim::Engine::active())
			e->might_sleep("alloc_pages(GFP_KERNEL)");
	}
	sim::point(sim::Op::alloc, sim::WaitKind::none, this, static_cast<std::uint64_t>(order));
	const std::size_t n = std::size_t(1) << order;
	pfn_t base = nr_;
	if (order == 0) {
		if (hw_ < nr_) {
			base = hw_++;
		} else {
			while (ring_head_ < ring_.size()) {
				pfn_t pfn = ring_[ring_head_++];
				if (free_bits_[pfn]) {
					base = pfn;
					break;
				}
			}
		}
	} else {
		// Prefer pristine frames, aligned; else any aligned run of free frames.
		std::size_t start = (hw_ + n - 1) & ~(n - 1);
		if (start + n <= nr_) {
			// Frames skipped for alignment stay free, now on the ring.
			for (std::size_t pfn = hw_; pfn < start; ++pfn)
				ring_.push_back(pfn);
			base = start;
			hw_ = start + n;
		} else {
			for (std::size_t b = 0; b + n <= hw_ && base == nr_; b += n) {
				bool ok = true;
				for (std::size_t i = 0; i < n && ok; ++i)
					ok = free_bits_[b + i];
				if (ok)
					base = b;
			}
		}
	}
	if (base >= nr_)
		return nullptr;
	page* head = &pages_[base];
	for (std::size_t i = 0; i < n; ++i)
		init_frame(base + i, head, order);
	sim::Engine* e = sim::Engine::active();
	if (e)
		e->note_result(static_cast<std::int64_t>(base));
	return head;
}

void Phys::free_folio(folio* f)
{
	MM_FRAME("free_frozen_pages");
	// bad_page(): a page must be unmapped and out of every cache before it is freed.
	if (f->_mapcount.peek() != -1 || f->_entire_mapcount.peek() != -1)
		sim::raise(sim::ViolationKind::invariant,
			   "BUG: Bad page state: pfn " + std::to_string(f->pfn) +
				   " freed while still mapped (mapcount " +
				   std::to_string(f->_mapcount.peek() + 1) + ")");
	if (f->mapping != nullptr)
		sim::raise(sim::ViolationKind::invariant,
			   "BUG: Bad page state: pfn " + std::to_string(f->pfn) +
				   " freed while still in the page cache");
	sim::lifetime_free(f->lt, f);
	const std::size_t n = std::size_t(1) << f->order;
	for (std::size_t i = 0; i < n; ++i) {
		page& p = pages_[f->pfn + i];
		if (i > 0)
			p.lt = f->lt;
		p.anon = nullptr;
		push_free(f->pfn + i);
	}
}

void Phys::release(folio* f)
{
	// destroy_large_folio(): a hugetlb folio goes back to its pool, not to the allocator.
	if ((f->flags.peek() & PG_hugetlb) && hugetlb_dtor_ != nullptr)
		hugetlb_dtor_(hugetlb_ctx_, f);
	else
		free_folio(f);
}

// Models take_page_off_buddy() (mm/page_alloc.c, v6.x): one step under zone->lock. A frame
// the high-water mark has not reached yet is taken by moving the mark past it; the frames
// skipped go to the ring, as alloc_pages() does for alignment.
bool Phys::take_page_off_buddy(pfn_t pfn)
{
	MM_FRAME("take_page_off_buddy");
	sim::point(sim::Op::alloc, sim::WaitKind::none, this, 0);
	if (pfn >= nr_ || !free_bits_[pfn])
		return false;
	if (pfn >= hw_) {
		for (std::size_t f = hw_; f < pfn; ++f)
			ring_.push_back(f);
		hw_ = pfn + 1;
	}
	init_frame(pfn, &pages_[pfn], 0);
	pages_[pfn]._refcount.init(0);
	return true;
}

// ---- reference counts (page_ref.h) ----

namespace {
void check_live(const folio* f, const char* what)
{
	sim::lifetime_check(f->lt, f, what);
}

void add_refs(folio* f, int nr, const char* what)
{
	// A plain increment assumes the caller already holds a reference: on a free page it
	// revives it, which is the bug GUP-fast's increment-unless-zero avoids.
	int old = f->_refcount.fetch_add(nr);
	check_live(f, what);
	if (old <= 0)
		sim::raise(sim::ViolationKind::invariant,
			   std::string(what) + " on pfn " + std::to_string(f->pfn) + " with refcount " +
				   std::to_string(old) + ": a reference taken on a free page");
}

bool put_refs(folio* f, int nr, const char* what)
{
	int now = f->_refcount.sub_return(nr);
	if (now < 0)
		sim::raise(sim::ViolationKind::invariant,
			   "refcount underflow on pfn " + std::to_string(f->pfn));
	check_live(f, what);
	if (now != 0)
		return false;
	f->phys->release(f);
	return true;
}

} // namespace

void folio_get(folio* f)
{
	add_refs(f, 1, "folio_get");
}

void folio_ref_add(folio* f, int nr)
{
	add_refs(f, nr, "folio_ref_add");
}

bool folio_try_get(folio* f)
{
	// On a free frame the count is zero and this fails; no use-after-free check: reading
	// the count of a free page is what the speculative get is allowed to do.
	return f->_refcount.inc_not_zero();
}

bool folio_put(folio* f)
{
	return put_refs(f, 1, "folio_put");
}

bool folio_put_refs(folio* f, int nr)
{
	return put_refs(f, nr, "folio_put_refs");
}

int folio_ref_count(const folio* f)
{
	return f->_refcount.load();
}

int page_mapcount(const page* p)
{
	return p->_mapcount.load() + 1;
}

int folio_mapcount(const folio* f)
{
	int n = f->_entire_mapcount.load() + 1;
	for (long i = 0; i < folio_nr_pages(f); ++i)
		n += (f + i)->_mapcount.peek() + 1;
	return n;
}

void folio_lock(folio* f)
{
	f->lock.lock();
}
bool folio_trylock(folio* f)
{
	return f->lock.trylock();
}
void folio_unlock(folio* f)
{
	f->lock.unlock();
}

void folio_set_flag(folio* f, unsigned long bit)
{
	f->flags.fetch_or(bit);
}

void folio_clear_flag(folio* f, unsigned long bit)
{
	f->flags.fetch_and(~bit);
}

bool folio_test_set_flag(folio* f, unsigned long bit)
{
	return (f->flags.fetch_or(bit) & bit) != 0;
}

} // namespace mm
