// Memory-failure checks (issue #8, races.md §3 items 17-18): soft offline never causes a signal
// and never marks a page in use; hard offline may (that is what it is for). Reads model state
// with peek(), never a scheduling point.
#pragma once

#include "mm/kernel.hpp"

#include <optional>
#include <string>

namespace check {

// Why a SIGBUS of p at addr is a finding, if it is: the access met a poisoned page (a hwpoison
// entry, or a PG_hwpoison page in the page cache of its hugetlb file) that no hard memory error
// hit. std::nullopt when the SIGBUS is not about poison or a hard error explains it.
// `hard_ok` is set when a hard memory error happened at all: it may break reservations, so the
// reservation guarantee no longer holds (races.md §4).
std::optional<std::string> poison_sigbus(const mm::Kernel& k, const mm::process& p,
					 unsigned long addr, bool* hard_ok);

// Whether a hard memory error hit pfn (memory_failure() ran for it).
bool hard_error(const mm::Kernel& k, mm::pfn_t pfn);

// The permanent references memory failure holds on folio f (for the refcount identity).
int poison_refs(const mm::Kernel& k, const mm::folio* f);

// races.md §3 item 18 at a quiescent point: PG_hwpoison on a page in use (in a page cache) or
// on a hugetlb free list only where a hard error hit it. Raises an invariant violation.
void check_hwpoison_placement(const mm::Kernel& k);

} // namespace check
