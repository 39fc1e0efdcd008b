// Basic mm types and x86-64 geometry (4-level paging, 4 KiB pages). Models
// include/linux/mm_types.h, arch/x86/include/asm/pgtable_64_types.h (v6.x).
#pragma once

#include <cerrno>
#include <cstdint>

namespace mm {

using pfn_t = std::uint64_t;
using pgoff_t = std::uint64_t;
using vm_fault_t = unsigned;

inline constexpr int PAGE_SHIFT = 12;
inline constexpr unsigned long PAGE_SIZE = 1ul << PAGE_SHIFT;
inline constexpr unsigned long PAGE_MASK = ~(PAGE_SIZE - 1);
inline constexpr int PMD_SHIFT = 21;
inline constexpr unsigned long PMD_SIZE = 1ul << PMD_SHIFT;
inline constexpr unsigned long PMD_MASK = ~(PMD_SIZE - 1);
inline constexpr int PUD_SHIFT = 30;
inline constexpr unsigned long PUD_SIZE = 1ul << PUD_SHIFT;
inline constexpr unsigned long PUD_MASK = ~(PUD_SIZE - 1);
inline constexpr int PGDIR_SHIFT = 39;
inline constexpr unsigned long PGDIR_SIZE = 1ul << PGDIR_SHIFT;
inline constexpr int PTRS_PER_TABLE = 512;
inline constexpr int HPAGE_PMD_ORDER = PMD_SHIFT - PAGE_SHIFT; // 9
inline constexpr int HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;
// User address space: the lower half of the 48-bit canonical space.
inline constexpr unsigned long TASK_SIZE = 1ul << 47;

// vm_fault_t bits (include/linux/mm_types.h).
inline constexpr vm_fault_t VM_FAULT_OOM = 0x0001;
inline constexpr vm_fault_t VM_FAULT_SIGBUS = 0x0002;
inline constexpr vm_fault_t VM_FAULT_MAJOR = 0x0004;
inline constexpr vm_fault_t VM_FAULT_HWPOISON = 0x0010;
inline constexpr vm_fault_t VM_FAULT_HWPOISON_LARGE = 0x0020;
inline constexpr vm_fault_t VM_FAULT_SIGSEGV = 0x0040;
inline constexpr vm_fault_t VM_FAULT_NOPAGE = 0x0100;
inline constexpr vm_fault_t VM_FAULT_LOCKED = 0x0200;
inline constexpr vm_fault_t VM_FAULT_RETRY = 0x0400;
inline constexpr vm_fault_t VM_FAULT_FALLBACK = 0x0800; // THP: map small pages instead
inline constexpr vm_fault_t VM_FAULT_ERROR =
	VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | VM_FAULT_HWPOISON |
	VM_FAULT_HWPOISON_LARGE;

// FAULT_FLAG_* (include/linux/mm_types.h).
inline constexpr unsigned FAULT_FLAG_WRITE = 0x01;
inline constexpr unsigned FAULT_FLAG_USER = 0x40;
// GUP asks for an exclusive anon page without write access (FOLL_PIN, read-only).
inline constexpr unsigned FAULT_FLAG_UNSHARE = 0x400;

// errno values: the host's <cerrno> (Linux numbering), returned negated as the kernel does.

// gfp_t: whether an allocation may sleep (GFP_KERNEL) or not (GFP_ATOMIC / GFP_NOWAIT).
enum gfp_t : unsigned {
	GFP_ATOMIC = 0,
	GFP_KERNEL = 1,
	__GFP_ZERO = 2,
};

// mmap prot / flags (include/uapi/asm-generic/mman-common.h).
inline constexpr int PROT_NONE = 0x0;
inline constexpr int PROT_READ = 0x1;
inline constexpr int PROT_WRITE = 0x2;
inline constexpr int PROT_EXEC = 0x4;
inline constexpr int MAP_SHARED = 0x01;
inline constexpr int MAP_PRIVATE = 0x02;
inline constexpr int MAP_FIXED = 0x10;
inline constexpr int MAP_ANONYMOUS = 0x20;
inline constexpr int MAP_GROWSDOWN = 0x0100;
inline constexpr int MAP_NORESERVE = 0x4000;
inline constexpr int MAP_HUGETLB = 0x40000;
inline constexpr int MREMAP_MAYMOVE = 1;
inline constexpr int MREMAP_FIXED = 2;
inline constexpr int MADV_DONTNEED = 4;

inline constexpr unsigned long round_up(unsigned long x, unsigned long a)
{
	return (x + a - 1) & ~(a - 1);
}

} // namespace mm
