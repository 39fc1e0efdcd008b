// Trimming rule (columns.hpp): a reader needs the context switches (where one CPU stops and
// another goes on), the preemptions with a step of context, the landmarks of each CPU's
// path, and the end of the run. Between landmarks a CPU's reads and refcount updates are
// noise: they become one "... (k steps: functions)" row.
#include "report/columns.hpp"

#include "report/text.hpp"
#include "sim/op.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

namespace report {
namespace {

constexpr std::size_t kGap = 3; // spaces between columns

struct Row {
	int task = -1;
	std::uint64_t step = 0;
	bool preempted = false;
	bool collapsed = false; // a "... (k steps)" row: no step number
	std::string text;
};

// Steps of the setup task are hidden unless it raised the violation.
bool hidden_setup(const sim::Trace& t, const ColumnOptions& opt, const sim::TraceStep& s)
{
	return !opt.full && t.setup_task >= 0 && s.task == t.setup_task &&
	       !(t.violation && t.violation->task == t.setup_task);
}

std::vector<bool> kept_steps(const sim::Trace& t, const ColumnOptions& opt)
{
	const auto& st = t.steps;
	const std::size_t n = st.size();
	std::vector<bool> keep(n, opt.full);
	if (opt.full)
		return keep;
	// The racing steps only: the setup task's are left out (hidden_setup).
	std::vector<std::size_t> idx;
	for (std::size_t i = 0; i < n; ++i)
		if (!hidden_setup(t, opt, st[i]))
			idx.push_back(i);
	const std::size_t m = idx.size();
	for (std::size_t k = 0; k < m; ++k) {
		const sim::TraceStep& s = st[idx[k]];
		bool switch_in = k == 0 || st[idx[k - 1]].task != s.task;
		bool switch_out = k + 1 == m || st[idx[k + 1]].task != s.task;
		if (switch_in || switch_out || !s.note.empty() || is_landmark(s))
			keep[idx[k]] = true;
		if (s.preempted) {
			std::size_t lo = k >= opt.context ? k - opt.context : 0;
			std::size_t hi = std::min(m - 1, k + opt.context);
			for (std::size_t j = lo; j <= hi; ++j)
				keep[idx[j]] = true;
		}
		// The step that raised the violation, and what its task did just before.
		if (t.violation && s.step == t.violation->step && s.task == t.violation->task) {
			keep[idx[k]] = true;
			for (std::size_t j = k; j-- > 0;) {
				if (st[idx[j]].task == s.task) {
					keep[idx[j]] = true;
					break;
				}
			}
		}
	}
	for (std::size_t k = m > opt.tail ? m - opt.tail : 0; k < m; ++k)
		keep[idx[k]] = true;
	return keep;
}

// "... (k steps: f, g)": the distinct innermost functions of a collapsed run, in order.
std::string collapsed_text(const sim::Trace& t, std::size_t from, std::size_t to)
{
	std::vector<const char*> fns;
	for (std::size_t i = from; i < to; ++i) {
		const auto& f = t.steps[i].frames;
		const char* fn = f.empty() ? nullptr : f.front();
		if (fn && std::find_if(fns.begin(), fns.end(), [&](const char* x) {
			          return std::string_view(x) == fn;
		          }) == fns.end())
			fns.push_back(fn);
	}
	std::string text = "... (" + std::to_string(to - from) + " steps";
	for (std::size_t i = 0; i < fns.size(); ++i)
		text += std::string(i ? ", " : ": ") + fns[i];
	return text + ")";
}

// Kept steps become rows; each gap (always inside one task's run, since switches are kept)
// of two or more steps becomes one "..." row; a single step is left out.
std::vector<Row> build_rows(const sim::Trace& t, const ColumnOptions& opt)
{
	const auto& st = t.steps;
	std::vector<bool> keep = kept_steps(t, opt);
	std::vector<Row> rows;
	for (std::size_t i = 0; i < st.size();) {
		if (hidden_setup(t, opt, st[i])) {
			++i;
			continue;
		}
		std::size_t j = i;
		while (j < st.size() && !keep[j] && st[j].task == st[i].task)
			++j;
		if (j - i >= 2) {
			rows.push_back({st[i].task, 0, false, true, collapsed_text(t, i, j)});
			i = j;
			continue;
		}
		// A single step between landmarks is left out: the step numbers show the gap.
		if (j - i == 1) {
			++i;
			continue;
		}
		rows.push_back({st[i].task, st[i].step, st[i].preempted, false, step_text(st[i])});
		++i;
	}
	return rows;
}

std::string task_label(const sim::Trace& t, int task)
{
	if (task >= 0 && static_cast<std::size_t>(task) < t.task_names.size())
		return t.task_names[static_cast<std::size_t>(task)];
	return task < 0 ? "-" : "T" + std::to_string(task);
}

void trim_right(std::string& s)
{
	while (!s.empty() && s.back() == ' ')
		s.pop_back();
}

} // namespace

bool is_landmark(const sim::TraceStep& s)
{
	switch (s.op) {
	case sim::Op::load:
	case sim::Op::alloc:
	case sim::Op::cpu_relax:
	case sim::Op::choose:
		return false;
	case sim::Op::event:
		return !s.note.empty();
	default:
		return true;
	}
}

std::string step_text(const sim::TraceStep& s)
{
	std::string out;
	if (!s.frames.empty() && s.frames.front())
		out = std::string(s.frames.front()) + ": ";
	if (s.op == sim::Op::event && !s.note.empty())
		return out + s.note;
	out += sim::op_name(s.op);
	if (!s.object.empty())
		out += "(" + s.object + ")";
	if (s.has_result)
		out += " = " + std::to_string(s.result);
	if (!s.note.empty())
		out += " [" + s.note + "]";
	return out;
}

std::string render_violation(const sim::Trace& t)
{
	if (!t.violation)
		return {};
	const sim::Violation& v = *t.violation;
	std::ostringstream os;
	os << "BUG: " << sim::violation_name(v.kind) << ": " << v.message << "\n";
	os << "  ";
	if (v.task >= 0)
		os << "task " << task_label(t, v.task) << ", ";
	os << "step " << v.step;
	for (std::size_t i = 0; i < v.frames.size(); ++i)
		os << (i == 0 ? ", in " : " <- ") << v.frames[i];
	os << "\n";
	for (const std::string& d : v.detail)
		os << "  " << d << "\n";
	return os.str();
}

std::string render_columns(const sim::Trace& t, const ColumnOptions& opt)
{
	std::vector<Row> rows = build_rows(t, opt);

	// Columns: the tasks that took a step, plus the one that raised the violation. A CPU
	// that did nothing (often the "init" pseudo-task) is not part of the picture.
	std::vector<int> cols;
	auto show = [&](int task) {
		if (std::find(cols.begin(), cols.end(), task) == cols.end())
			cols.push_back(task);
	};
	for (const Row& r : rows)
		show(r.task);
	if (t.violation && t.violation->task >= 0)
		show(t.violation->task);
	// By task id, with "no task" (-1) last.
	std::sort(cols.begin(), cols.end(),
	          [](int a, int b) { return static_cast<unsigned>(a) < static_cast<unsigned>(b); });
	auto col_of = [&](int task) {
		return static_cast<std::size_t>(std::find(cols.begin(), cols.end(), task) -
		                                cols.begin());
	};
	const std::size_t total = cols.size();
	std::vector<std::size_t> width(total, 0);
	for (std::size_t c = 0; c < total; ++c)
		width[c] = display_width(task_label(t, cols[c]));
	for (const Row& r : rows)
		width[col_of(r.task)] = std::max(width[col_of(r.task)], display_width(r.text));
	for (std::size_t& w : width)
		w = std::min(w, opt.max_width);

	std::size_t num_w = 1;
	for (const Row& r : rows)
		num_w = std::max(num_w, std::to_string(r.step).size());
	const std::string blank_prefix(num_w + 2, ' ');

	std::ostringstream os;
	if (!opt.full && t.setup_task >= 0) {
		std::size_t hidden = 0;
		for (const sim::TraceStep& s : t.steps)
			hidden += hidden_setup(t, opt, s);
		if (hidden)
			os << "(" << task_label(t, t.setup_task) << " took " << hidden
			   << " steps to build the world before the race: --full shows them)\n\n";
	}
	auto emit = [&](const std::string& prefix, std::size_t col, const std::string& text) {
		std::string line = prefix;
		for (std::size_t c = 0; c < total; ++c) {
			std::string cell = c == col ? truncate(text, width[c]) : "";
			line += pad(cell, width[c]);
			if (c + 1 < total)
				line.append(kGap, ' ');
		}
		trim_right(line);
		os << line << "\n";
	};

	std::string header = blank_prefix, rule = blank_prefix;
	for (std::size_t c = 0; c < total; ++c) {
		header += pad(truncate(task_label(t, cols[c]), width[c]), width[c]);
		rule += std::string(width[c], '-');
		if (c + 1 < total) {
			header.append(kGap, ' ');
			rule.append(kGap, ' ');
		}
	}
	trim_right(header);
	os << header << "\n" << rule << "\n";

	bool any_preempt = false;
	for (const Row& r : rows) {
		std::string num = r.collapsed ? "" : std::to_string(r.step);
		std::string prefix =
		    std::string(num_w - num.size(), ' ') + num + (r.preempted ? "* " : "  ");
		any_preempt |= r.preempted;
		emit(prefix, col_of(r.task), r.text);
	}
	if (any_preempt)
		os << "(* = preemption: the previous task could have gone on)\n";
	if (t.violation)
		os << "\n" << render_violation(t);
	return os.str();
}

} // namespace report
