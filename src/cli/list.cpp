// `mmcheck list [DIR...]`: the scenarios found (under ./scenarios unless directories are
// given), the demo programs, and every fix, proposal and mutant with its link and doc.
#include "cli/commands.hpp"
#include "cli/settings.hpp"
#include "cli/targets.hpp"
#include "cli/usage_error.hpp"
#include "litmus/diag.hpp"
#include "litmus/registry.hpp"
#include "litmus/scenario.hpp"
#include "mm/fixes.hpp"
#include "report/json_writer.hpp"
#include "report/text.hpp"

#include <cstdio>

namespace cli {
namespace {

struct Entry {
	std::string path, name, description, fix, error;
};

std::vector<Entry> scenarios(const std::vector<std::string>& dirs)
{
	std::vector<Entry> out;
	for (const std::string& d : dirs) {
		for (const std::string& f : litmus_files(d)) {
			Entry e{f, "", "", "", ""};
			try {
				litmus::Scenario s = litmus::load_file(f);
				e.name = s.ast.name;
				e.description = s.ast.description;
				e.fix = s.ast.header.fix;
			} catch (const litmus::Error& err) {
				e.error = err.what();
			}
			out.push_back(std::move(e));
		}
	}
	return out;
}

void print_json(const std::vector<Entry>& sc)
{
	report::JsonWriter w;
	w.begin_object();
	w.key("scenarios").begin_array();
	for (const Entry& e : sc) {
		w.begin_object();
		w.key("path").value(e.path);
		w.key("name").value(e.name);
		w.key("description").value(e.description);
		w.key("fix").value(e.fix);
		if (!e.error.empty())
			w.key("error").value(e.error);
		w.end_object();
	}
	w.end_array();
	w.key("demos").begin_array();
	for (const Target& t : demo_targets()) {
		w.begin_object();
		w.key("target").value(t.id);
		w.key("description").value(t.description);
		w.key("expectation").value(t.expectation);
		w.end_object();
	}
	w.end_array();
	w.key("switches").begin_array();
	for (const mm::FixInfo& f : mm::all_fixes()) {
		w.begin_object();
		w.key("name").value(f.name);
		w.key("kind").value(mm::switch_kind_name(f.kind));
		w.key("default").value(f.default_on() ? "on" : "off");
		w.key("commit").value(f.commit);
		w.key("link").value(f.link);
		w.key("doc").value(f.doc);
		w.end_object();
	}
	w.end_array();
	w.end_object();
	std::printf("%s\n", w.str().c_str());
}

// "mmap(proc, [addr], len, prot, flags, [file], [offset])".
std::string signature(const litmus::OpSpec& o)
{
	std::string sig = std::string(o.name) + "(";
	for (std::size_t i = 0; i < o.params.size(); ++i) {
		const litmus::Param& p = o.params[i];
		sig += (i ? ", " : "") + std::string(p.required ? "" : "[") + std::string(p.name) +
		       (p.required ? "" : "]");
	}
	return sig + ")";
}

void print_language()
{
	std::printf("\nOperations (docs/litmus.md):\n");
	for (const litmus::OpSpec& o : litmus::registry().ops())
		std::printf("  %s\n      %s; returns %s [%s]\n", signature(o).c_str(),
			    std::string(o.doc).c_str(), std::string(o.returns).c_str(),
			    std::string(o.module).c_str());
	std::printf("\nConfig keys:\n");
	for (const litmus::ConfigKey& k : litmus::registry().config_keys())
		std::printf("  %s %s\n", report::pad(k.name, 18).c_str(), std::string(k.doc).c_str());
	std::printf("  %s %s\n", report::pad("fix NAME", 18).c_str(), "on or off: a switch below");
}

} // namespace

int cmd_list(std::span<const std::string> args)
{
	Settings s = parse_settings(args);
	std::vector<std::string> dirs = s.positional;
	if (dirs.empty())
		dirs.push_back("scenarios");
	std::vector<Entry> sc = scenarios(dirs);
	if (s.json) {
		print_json(sc);
		return 0;
	}
	std::printf("Scenarios (mmcheck run FILE|DIR):\n");
	if (sc.empty())
		std::printf("  none found below %s\n", dirs.front().c_str());
	for (const Entry& e : sc) {
		if (!e.error.empty()) {
			std::printf("  %s\n      bad input: %s\n", e.path.c_str(), e.error.c_str());
			continue;
		}
		std::printf("  %s\n      %s%s%s\n", e.path.c_str(), e.description.c_str(),
			    e.fix.empty() ? "" : "  [Fix: ", e.fix.empty() ? "" : (e.fix + "]").c_str());
	}
	std::printf("\nDemo programs (mmcheck run demo:NAME, or demo:all):\n");
	for (const Target& t : demo_targets()) {
		std::printf("  %s %s\n  %s expect: %s\n", report::pad(t.id, 28).c_str(),
		            t.description.c_str(), std::string(28, ' ').c_str(),
		            t.expectation.c_str());
	}
	print_language();
	std::printf("\nSwitches (mmcheck run --fix NAME=on|off, or fix NAME = on|off in config):\n");
	for (const mm::FixInfo& f : mm::all_fixes()) {
		std::printf("  %s %-8s default %-3s  %s\n", report::pad(f.name, 28).c_str(),
			    mm::switch_kind_name(f.kind), f.default_on() ? "on" : "off",
			    std::string(f.doc).c_str());
		if (!f.link.empty())
			std::printf("  %s %s\n", std::string(28, ' ').c_str(), std::string(f.link).c_str());
		if (f.kind == mm::SwitchKind::proposal && !f.commit.empty())
			std::printf("  %s stands in for: %s\n", std::string(28, ' ').c_str(),
				    std::string(f.commit).c_str());
		else if (f.kind == mm::SwitchKind::fix && !f.commit.empty())
			std::printf("  %s commit %s\n", std::string(28, ' ').c_str(), std::string(f.commit).c_str());
	}
	return 0;
}

} // namespace cli
