// How check/ judges hugetlb mappings (races.md §3 item 15, §4): a fault that needs a page no
// reservation covers may fail with SIGBUS when the pool is empty; a fault covered by a
// reservation never may. Reads model state with peek(), never a scheduling point.
#pragma once

#include "mm/kernel.hpp"

namespace mm {
struct resv_map;
}

namespace check {

// Pages of [f, t) in a reserve map.
long hugetlb_regions_in(const mm::resv_map* map, long f, long t);

// Whether an access of p at addr may end in SIGBUS for lack of a huge page now: the address is
// in a hugetlb VMA and the fault may need a page that no reservation of this mapping covers
// (NORESERVE, a fork child, an index the private owner consumed and no longer maps, a punched
// hole), or the VMA lost its page to the owner's COW (HPAGE_RESV_UNMAPPED). False for addresses
// outside hugetlb VMAs.
bool hugetlb_fault_may_fail(mm::Kernel& k, const mm::process& p, unsigned long addr);

// Whether addr of p lies in a hugetlb VMA now.
bool in_hugetlb_vma(const mm::process& p, unsigned long addr);

} // namespace check
