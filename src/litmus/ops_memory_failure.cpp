// The verbs of issue #8: soft offline and hard offline (memory_failure) of a frame, the early-kill
// sysctl, a name for the free huge page the pool hands out next, and madvise(MADV_SOFT_OFFLINE /
// MADV_HWPOISON) by address.
#include "litmus/registry.hpp"

#include "mm/memory_failure.hpp"

namespace litmus {
namespace {

using T = ArgType;

Result num(long v)
{
	return {Result::number, v};
}

Param page_param(std::string_view doc)
{
	return {"page", T::object, doc, true, 0, {}, "page"};
}

} // namespace

void register_memory_failure(Registry& r)
{
	r.add({"free_hugepage",
	       "names the free huge page the pool hands out next (a lookup that is not a scheduling "
	       "point)",
	       {{"page", T::new_object, "the name it gets", true, 0, {}, "page"}},
	       "its pfn, or -ENOENT (no usable free page)",
	       [](OpContext& ctx, const Call& c) {
		       mm::folio* f = ctx.world().next_free_hugepage();
		       if (f == nullptr)
			       return num(-ENOENT);
		       ctx.bind(c, "page", f);
		       return num(static_cast<long>(f->pfn));
	       }});
	r.add({"soft_offline",
	       "echo pfn > /sys/devices/system/memory/soft_offline_page: take a page with corrected "
	       "errors out of use (never kills, may fail)",
	       {page_param("a frame named by page_at or free_hugepage")},
	       "0, or -EBUSY, -EIO, -ENOMEM (the page is then as it was)",
	       [](OpContext& ctx, const Call& c) {
		       auto* pg = static_cast<mm::page*>(ctx.object(c, "page"));
		       return num(ctx.world().soft_offline(pg->pfn));
	       }});
	r.add({"memory_failure",
	       "an uncorrected memory error in a frame (hard offline): unmap it everywhere (hwpoison "
	       "entries), drop it from the page cache, kill mappers (early kill) or let them fault",
	       {page_param("a frame named by page_at or free_hugepage")},
	       "0, or -EHWPOISON, -EBUSY",
	       [](OpContext& ctx, const Call& c) {
		       auto* pg = static_cast<mm::page*>(ctx.object(c, "page"));
		       return num(ctx.world().memory_failure(pg->pfn));
	       }});
	r.add({"memory_failure_early_kill",
	       "echo 0|1 > /proc/sys/vm/memory_failure_early_kill",
	       {{"enabled", T::choice, "on: signal every mapper at once; off: only those that touch "
				       "the page later", true, 0, {{"off", 0}, {"on", 1}}}},
	       "0",
	       [](OpContext& ctx, const Call& c) {
		       ctx.world().set_memory_failure_early_kill(c.num("enabled") != 0);
		       return num(0);
	       }});
	r.extend("madvise", "advice",
		 {{"soft_offline", mm::MADV_SOFT_OFFLINE}, {"hwpoison", mm::MADV_HWPOISON}});
}

} // namespace litmus
