// The verbs of issue #6: page migration (move_pages, migration of a frame by pfn as compaction
// and memory hot-remove do), exec's two address-space steps, and the migration checks.
#include "litmus/registry.hpp"

#include "mm/vma.hpp"

namespace litmus {
namespace {

using T = ArgType;

Result num(long v)
{
	return {Result::number, v};
}

Param proc_param()
{
	return {"proc", T::process, "the process (default: the CPU block's)"};
}

Param on_off(std::string_view name, std::string_view doc)
{
	return {name, T::choice, doc, false, 1, {{"off", 0}, {"on", 1}}};
}

} // namespace

void register_rmap(Registry& r)
{
	r.add({"move_pages",
	       "move_pages(2) of the page proc maps at addr: found under mmap_lock, migrated after it",
	       {proc_param(), {"addr", T::address, "an address of the page"}},
	       "0, or -EFAULT, -ENOENT, -EBUSY, -EAGAIN, -ENOMEM",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().move_pages(ctx.process(c, "proc"), c.ul("addr")));
	       }});
	r.add({"page_at",
	       "names the frame proc maps at addr now (a lookup that is not a scheduling point)",
	       {proc_param(), {"addr", T::address, "an address of the page"},
		{"page", T::new_object, "the name it gets", true, 0, {}, "page"}},
	       "its pfn, or -ENOENT",
	       [](OpContext& ctx, const Call& c) {
		       mm::pfn_t pfn = ctx.world().pfn_of(ctx.process(c, "proc"), c.ul("addr"));
		       if (pfn == check::World::no_pfn)
			       return num(-ENOENT);
		       ctx.bind(c, "page", ctx.world().kernel().phys().pfn_to_page(pfn));
		       return num(static_cast<long>(pfn));
	       }});
	r.add({"migrate_page",
	       "migrates a frame with no mmap_lock, as compaction and memory hot-remove do",
	       {{"page", T::object, "a frame named by page_at", true, 0, {}, "page"}},
	       "0, or -EBUSY (free, not a user page, isolated), -EAGAIN, -ENOMEM",
	       [](OpContext& ctx, const Call& c) {
		       auto* pg = static_cast<mm::page*>(ctx.object(c, "page"));
		       return num(ctx.world().migrate_pfn(pg->pfn));
	       }});
	r.add({"execve",
	       "execve() up to setup_arg_pages: proc's new mm holds only the temporary stack below "
	       "STACK_TOP_MAX (0x7ffffffff000), argv[i] = value + i in its i-th page",
	       {proc_param(), {"pages", T::integer, "argv pages", false, 1, {}, {}, 1, 64},
		{"value", T::integer, "the word in argv's first page", false, 1}},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       std::vector<std::uint64_t> argv;
		       for (long i = 0; i < c.num("pages"); ++i)
			       argv.push_back(static_cast<std::uint64_t>(c.num("value") + i));
		       return num(ctx.world().exec_begin(ctx.process(c, "proc"), argv));
	       }});
	r.add({"setup_arg_pages",
	       "setup_arg_pages(): exec's stack moves to end at stack_top, then grows by 128K",
	       {proc_param(), {"stack_top", T::address, "where the stack ends"}},
	       "0 or -errno",
	       [](OpContext& ctx, const Call& c) {
		       return num(ctx.world().exec_setup_arg_pages(ctx.process(c, "proc"), c.ul("stack_top")));
	       }});
	r.add({"checks",
	       "turns checks off to see what a finding does next: migration (rmap completeness in "
	       "remove walks, nothing left when a migration ends) and the quiescent invariants",
	       {on_off("migration", "the migration checks (default on)"),
		on_off("quiescent", "the invariants at quiescent points (default on)")},
	       "0",
	       [](OpContext& ctx, const Call& c) {
		       ctx.world().set_check_migration(c.num("migration") != 0);
		       ctx.world().set_check_quiescent(c.num("quiescent") != 0);
		       return num(0);
	       }});
}

} // namespace litmus
