// TLB flushing and mmu_gather. Models arch/x86/mm/tlb.c flush_tlb_mm_range (IPI to the CPUs in
// mm_cpumask, waiting for each), a broadcast-invalidate architecture, and mm/mmu_gather.c
// (v6.x): tlb_flush_mmu() = flush TLB, then free the batched pages, then the tables.
#include "mm/tlb.hpp"

#include "mm/kernel.hpp"
#include "sim/engine.hpp"
#include "sim/frame.hpp"
#include "sim/irq.hpp"

#include <algorithm>

namespace mm {

const tlb_entry* cpu_tlb::lookup_leaf(const mm_struct* mm, unsigned long va) const
{
	for (const tlb_entry& t : slots())
		if (t.valid && !t.pde && t.mm == mm && va - t.va < t.size)
			return &t;
	return nullptr;
}

const tlb_entry* cpu_tlb::lookup_pde(const mm_struct* mm, unsigned long va) const
{
	for (const tlb_entry& t : slots())
		if (t.valid && t.pde && t.mm == mm && va - t.va < t.size)
			return &t;
	return nullptr;
}

void cpu_tlb::insert(const tlb_entry& t)
{
	for (tlb_entry& x : std::span(e.data(), static_cast<std::size_t>(used))) {
		if (x.valid && x.mm == t.mm && x.va == t.va && x.pde == t.pde) {
			x = t;
			return;
		}
	}
	e[static_cast<std::size_t>(next)] = t;
	if (next == used)
		++used;
	next = (next + 1) % kEntries;
}

void cpu_tlb::invalidate(const mm_struct* mm, unsigned long start, unsigned long end)
{
	for (tlb_entry& x : std::span(e.data(), static_cast<std::size_t>(used))) {
		if (!x.valid || x.mm != mm)
			continue;
		if (end == 0 || (x.va < end && start < x.va + x.size))
			x.valid = false;
	}
}

void cpu_tlb::clear()
{
	// Kernel::reset clears every CPU's TLB per schedule: touch only the slots in use.
	for (tlb_entry& x : std::span(e.data(), static_cast<std::size_t>(used)))
		x.valid = false;
	next = 0;
	used = 0;
}

namespace {

struct FlushArgs {
	Kernel* k;
	mm_struct* mm;
	unsigned long start, end;
	int skip_cpu; // Mutant::flush_skips_cpu
};

// flush_tlb_func(): runs on each target CPU (the IPI handler), or for all CPUs at once when the
// hardware broadcasts.
void flush_tlb_func(void* arg, int cpu)
{
	auto* a = static_cast<FlushArgs*>(arg);
	if (cpu >= a->k->ncpus() || cpu == a->skip_cpu)
		return;
	a->k->tlb(cpu).invalidate(a->mm, a->start, a->end);
}

} // namespace

void flush_tlb_mm_range(mm_struct* mm, unsigned long start, unsigned long end)
{
	MM_FRAME("flush_tlb_mm_range");
	Kernel& k = kernel_of(mm);
	FlushArgs args{&k, mm, start, end, -1};
	int self = sim::current_task_id();
	if (k.mutant(Mutant::flush_skips_cpu)) {
		sim::TaskMask mask = mm->cpumask.peek();
		for (int c = 0; c < k.ncpus() && args.skip_cpu < 0; ++c)
			if (c != self && (mask & (sim::TaskMask(1) << c)))
				args.skip_cpu = c;
	}
	if (k.config().tlb_flush == TlbFlushMode::broadcast || sim::Engine::active() == nullptr) {
		// One instruction invalidates every CPU; nobody is interrupted or waited for.
		sim::point(sim::Op::tlb_flush, sim::WaitKind::none, mm);
		for (int c = 0; c < k.ncpus(); ++c)
			flush_tlb_func(&args, c);
		return;
	}
	// native_flush_tlb_multi(): local flush, then IPI the other CPUs in mm_cpumask and wait.
	sim::smp_call_function_many(mm->cpumask.load(), &flush_tlb_func, &args, true);
}

void tlb_gather_mmu(mmu_gather& tlb, mm_struct* mm, bool fullmm)
{
	tlb = mmu_gather{};
	tlb.mm = mm;
	tlb.fullmm = fullmm;
}

void tlb_flush_range_add(mmu_gather& tlb, unsigned long addr, unsigned long size)
{
	tlb.start = std::min(tlb.start, addr);
	tlb.end = std::max(tlb.end, addr + size);
}

namespace {

void free_tables(mmu_gather& tlb)
{
	Kernel& k = kernel_of(tlb.mm);
	if (tlb.nr_tables == 0)
		return;
	TableFreeMode mode = k.config().table_free;
	if (mode == TableFreeMode::ipi_sync)
		tlb_remove_table_sync_one();
	for (int i = 0; i < tlb.nr_tables; ++i) {
		ptdesc* pt = tlb.tables[static_cast<std::size_t>(i)];
		if (mode == TableFreeMode::rcu)
			k.pgtables().free_rcu(pt);
		else
			k.pgtables().free(pt);
	}
	tlb.nr_tables = 0;
}

void free_pages(mmu_gather& tlb)
{
	for (int i = 0; i < tlb.nr_pages; ++i)
		folio_put(tlb.pages[static_cast<std::size_t>(i)]);
	tlb.nr_pages = 0;
}

} // namespace

void tlb_flush_mmu_tlbonly(mmu_gather& tlb)
{
	if (tlb.end > tlb.start || tlb.freed_tables) {
		MM_FRAME("tlb_flush_mmu_tlbonly");
		if (tlb.fullmm || tlb.freed_tables)
			flush_tlb_mm(tlb.mm);
		else
			flush_tlb_mm_range(tlb.mm, tlb.start, tlb.end);
		tlb.start = ~0ul;
		tlb.end = 0;
	}
}

void tlb_flush_mmu(mmu_gather& tlb)
{
	MM_FRAME("tlb_flush_mmu");
	tlb_flush_mmu_tlbonly(tlb);
	free_pages(tlb);
	free_tables(tlb);
}

void tlb_remove_page(mmu_gather& tlb, folio* f)
{
	if (tlb.nr_pages == mmu_gather::kBatch)
		tlb_flush_mmu(tlb);
	tlb.pages[static_cast<std::size_t>(tlb.nr_pages++)] = f;
}

void tlb_remove_table(mmu_gather& tlb, ptdesc* pt)
{
	tlb.freed_tables = true;
	if (kernel_of(tlb.mm).mutant(Mutant::free_tables_before_flush)) {
		// Broken on purpose: no flush before the free, so a CPU may still walk it.
		kernel_of(tlb.mm).pgtables().free(pt);
		return;
	}
	if (tlb.nr_tables == mmu_gather::kBatch)
		tlb_flush_mmu(tlb);
	tlb.tables[static_cast<std::size_t>(tlb.nr_tables++)] = pt;
}

void tlb_finish_mmu(mmu_gather& tlb)
{
	MM_FRAME("tlb_finish_mmu");
	tlb_flush_mmu(tlb);
}

void tlb_remove_table_sync_one()
{
	MM_FRAME("tlb_remove_table_sync_one");
	sim::smp_call_function([](void*, int) {}, nullptr);
}

} // namespace mm
