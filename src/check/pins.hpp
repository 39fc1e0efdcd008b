// GUP pins as the user holds them (races.md §3 item 11, "GUP coherence"). A pin taken by
// get_user_pages()/pin_user_pages() on (process, address) must keep being the page mapped
// at that address until it is released or the mapping is legitimately removed (munmap,
// mremap away, MADV_DONTNEED, mmap over it, exit, truncation; fork for FOLL_GET): data a
// device writes through the pin (DMA) is what the process reads there, and what the process
// writes there is what the device reads. khugepaged replacing the page (seed 001) is not a
// legitimate removal: that is the bug.
//
// Which pins are judged: FOLL_WRITE ones (GUP broke COW first, the page is exclusive) and
// read-only FOLL_PIN ones on anon or shared pages (GUP unshared an anon page first). A
// read-only FOLL_GET, or a read-only FOLL_PIN of a private file page, may legitimately see
// the process COW away from it (documented kernel behaviour), so it is only refcounted.
#pragma once

#include "check/oracle.hpp"
#include "mm/kernel.hpp"

#include <array>
#include <cstdint>
#include <string>

namespace check {

struct Pin {
	static constexpr int kMaxPages = 16;
	int handle = -1;
	const mm::process* proc = nullptr;
	unsigned long addr = 0; // of pages[0]
	unsigned flags = 0;     // FOLL_*
	int nr = 0;
	std::array<mm::page*, kMaxPages> pages{};
	std::array<bool, kMaxPages> attached{}; // judged and not legitimately removed
	bool held = false;                      // not yet unpinned
	void reset() { *this = Pin{}; }
};

class Pins {
public:
	void reset() { pins_.clear(); }
	// The pin of a handle, nullptr if there is none. Pins never move.
	Pin* find(int handle);
	// Records a pin GUP returned; `kind` is the abstract mapping kind of each page at the
	// time (decides whether it is judged). Returns its handle.
	int add(const mm::process& p, unsigned long addr, unsigned flags, int nr, mm::page** pages,
		Oracle& oracle);
	// References the held pins account for on folio f (Invariants::set_extra_refs).
	int refs(const mm::folio* f) const;
	// A syscall committed: pins whose mapping it removes stop being judged.
	void on_commit(const Pending& op);
	// GUP coherence at a quiescent point: every attached pinned page is still the page the
	// page tables map at its address. Raises an `invariant` violation if not.
	void check_coherence(const mm::Kernel& k) const;

private:
	void detach(const mm::process* p, unsigned long lo, unsigned long hi, bool get_only);
	mm::Pool<Pin> pins_; // reused across schedules; stable addresses
};

} // namespace check
