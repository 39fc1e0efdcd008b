// madvise(). Models mm/madvise.c (v6.x) for MADV_DONTNEED: under mmap_lock for read, zap the
// range of each VMA (zap_page_range_single); the next access refaults a zeroed anon page or
// the page-cache page.
//
// Differences: only MADV_DONTNEED; other advice returns -EINVAL (the kernel accepts more).
#include "mm/hugetlb.hpp"
#include "mm/internal.hpp"

#include "sim/frame.hpp"

namespace mm {

// Context: may sleep; takes mmap_lock for read.
// Returns: 0, -EINVAL, or -ENOMEM when part of the range is unmapped (after doing the rest).
int do_madvise(mm_struct* mm, unsigned long start, unsigned long len, int advice)
{
	if (advice != MADV_DONTNEED)
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	len = round_up(len, PAGE_SIZE);
	unsigned long end = start + len;
	if (end < start || end > TASK_SIZE)
		return -EINVAL;
	if (len == 0)
		return 0;
	int ret = 0;
	mm->mmap_lock.down_read();
	unsigned long at = start;
	while (at < end) {
		vm_area_struct* vma = find_vma(mm, at);
		if (vma == nullptr || vma->start() >= end) {
			ret = -ENOMEM;
			break;
		}
		if (vma->start() > at)
			ret = -ENOMEM; // a hole: skipped, reported at the end
		unsigned long s = std::max(at, vma->start());
		unsigned long e = std::min(end, vma->end());
		at = e;
		if (is_vm_hugetlb_page(vma)) {
			// madvise_dontneed_free_valid_vma(): whole huge pages only.
			if (s & ~HPAGE_MASK) {
				ret = -EINVAL;
				break;
			}
			e &= HPAGE_MASK;
			if (e <= s)
				continue;
		}
		MM_FRAME("madvise_dontneed_single_vma");
		zap_page_range_single(vma, s, e);
	}
	observer_commit(kernel_of(mm), ret);
	mm->mmap_lock.up_read();
	return ret;
}

} // namespace mm
