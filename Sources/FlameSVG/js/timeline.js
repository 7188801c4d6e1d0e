	var tl_drag = null, tl_window = null;
	function tl_point(e) {
		var p = svg.createSVGPoint(); p.x = e.clientX; p.y = e.clientY;
		return p.matrixTransform(svg.getScreenCTM().inverse());
	}
	function tl_bin(x) { return Math.min(tl.nbins, Math.max(0, (x - tl.x0) / tl.bw)); }
	function tl_init(params) {
		var strip = document.getElementById("timeline");
		strip.addEventListener("mousedown", function(e) {
			if (e.target.id == "tl-all") return;
			e.preventDefault();
			tl_drag = tl_bin(tl_point(e).x);
		});
		window.addEventListener("mousemove", function(e) {
			var b = tl_bin(tl_point(e).x);
			if (tl_drag !== null) { tl_mark(Math.min(tl_drag, b), Math.max(tl_drag, b)); return; }
			if (find_group(e.target) || !strip.contains(e.target) || e.target.nodeName == "title") return;
			var bin = Math.min(tl.nbins - 1, Math.floor(b));
			details.nodeValue = tl_describe(bin, bin + 1);
		});
		window.addEventListener("mouseup", function(e) {
			if (tl_drag === null) return;
			var a = tl_drag, b = tl_bin(tl_point(e).x);
			tl_drag = null;
			var b0 = Math.floor(Math.min(a, b)), b1 = Math.ceil(Math.max(a, b));
			// A click without a drag selects nothing.
			if (Math.abs(a - b) * tl.bw < 2 || b1 <= b0) { tl_mark(0, 0); if (tl_window) tl_mark(tl_window[0], tl_window[1]); return; }
			tl_select(b0, b1, false);
		});
		document.getElementById("tl-all").addEventListener("click", function() { tl_select(0, tl.nbins, false); });
		if (params.t) {
			var m = /^([0-9]+)-([0-9]+)$/.exec(params.t);
			if (m && +m[1] < +m[2] && +m[2] <= tl.nbins) tl_select(+m[1], +m[2], true);
		}
	}
	function tl_mark(b0, b1) {
		var sel = document.getElementById("tl-sel");
		sel.setAttribute("x", tl.x0 + b0 * tl.bw);
		sel.setAttribute("width", (b1 - b0) * tl.bw);
		if (b1 > b0) sel.classList.remove("hide"); else sel.classList.add("hide");
	}
	// Seconds since tl.origin (the trace's start) as the axis shows them, else perf's `sec.usec`.
	function tl_seconds(ns) {
		if (tl.origin !== null) return ((ns - tl.origin) / 1e9).toFixed(3);
		var us = Math.floor(ns / 1000);
		var f = String(us % 1000000);
		return Math.floor(us / 1000000) + "." + "000000".substring(f.length) + f;
	}
	// As WeightUnit.label in Swift: `412 samples, 412.4 ms`, `412 samples, 1,234 cycles`, or N countName.
	function tl_duration(ns) {
		var a = Math.abs(ns);
		if (a >= 1e9) return (ns / 1e9).toFixed(2) + " s";
		if (a >= 1e6) return (ns / 1e6).toFixed(1) + " ms";
		if (a >= 1e3) return (ns / 1e3).toFixed(1) + " \u00b5s";
		return ns.toFixed(0) + " ns";
	}
	function tl_label(w, n) {
		if (tl.unit === null) return tl_commas(w) + " " + tl.countName;
		var c = tl_commas(n) + " sample" + (n == 1 ? "" : "s");
		if (tl.unit == "ns") return c + ", " + tl_duration(w);
		if (tl.unit == "events") return c + ", " + tl_commas(w) + " " + tl.unitName;
		return c;
	}
	function tl_describe(b0, b1) {
		var sums = tl.categories.map(function() { return 0; }), total = 0;
		for (var b = b0; b < b1; b++) for (var c = 0; c < sums.length; c++) { sums[c] += tl.cats[b][c]; total += tl.cats[b][c]; }
		var parts = [];
		for (var c = 0; c < sums.length; c++) if (sums[c] > 0) parts.push(tl.categories[c] + " " + (100 * sums[c] / total).toFixed(1) + "%");
		return "Time: " + tl_seconds(tl.t0 + b0 * tl.binNs) + "-" + tl_seconds(tl.t0 + b1 * tl.binNs) + " s" +
			(tl.origin !== null ? " " + tl.originName : "") + " (" + tl_commas(total) + " samples" +
			(parts.length ? "; " + parts.join(", ") : "") + ")";
	}
	function tl_commas(v) { return Math.round(v).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
	// Rebuilds #frames for bins [b0, b1): flamegraph.pl's flow() over the window's counts.
	function tl_select(b0, b1, fromURL) {
		var whole = b0 == 0 && b1 == tl.nbins;
		tl_window = whole ? null : [b0, b1];
		tl_mark(whole ? 0 : b0, whole ? 0 : b1);
		// Bins hold (stack, weight, samples) triples; samples run beside the weights, as in FrameMerger.
		var counts = new Float64Array(tl.stacks.length), nsamples = new Float64Array(tl.stacks.length);
		for (var b = b0; b < b1; b++) {
			var a = tl.bins[b];
			for (var i = 0; i < a.length; i += 3) { counts[a[i]] += a[i + 1]; nsamples[a[i]] += a[i + 2]; }
		}
		var nodes = [], open = [], last = [], time = 0, stime = 0;
		function flow(th, v) {
			var same = 0;
			while (same < last.length && same < th.length && last[same] === th[same]) same++;
			for (var i = last.length - 1; i >= same; i--) nodes.push({name: open[i].name, depth: i, start: open[i].start, end: v, samples: stime - open[i].s0});
			open.length = same;
			for (var j = same; j < th.length; j++) open.push({name: th[j], start: v, s0: stime});
			last = th;
		}
		for (var s = 0; s < tl.stacks.length; s++) {
			if (counts[s] > 0) { flow([-1].concat(tl.stacks[s]), time); time += counts[s]; stime += nsamples[s]; }
		}
		flow([], time);
		var info = document.getElementById("tl-info").firstChild;
		info.nodeValue = whole ? "drag across the strip to draw a time window" : tl_describe(b0, b1);
		document.getElementById("tl-all").classList.toggle("hide", whole);
		var ns = "http://www.w3.org/2000/svg";
		var groups = [];
		if (time > 0) {
			var wpt = tl.plotWidth / time;
			var minTime = tl.minWidthPct ? time * tl.minWidth / 100 : tl.minWidth / wpt;
			nodes = nodes.filter(function(n) { return n.name == -1 || n.end - n.start >= minTime; });
			nodes.sort(function(a, b) { return a.depth - b.depth || a.start - b.start; });
			for (var n of nodes) {
				var x1 = tl.x0 + n.start * wpt, x2 = tl.x0 + n.end * wpt, y1, y2;
				if (!inverted) {
					y1 = tl.imageHeight - tl.ypad2 - (n.depth + 1) * tl.frameHeight + 1;
					y2 = tl.imageHeight - tl.ypad2 - n.depth * tl.frameHeight;
				} else {
					y1 = tl.ypad1 + n.depth * tl.frameHeight;
					y2 = tl.ypad1 + (n.depth + 1) * tl.frameHeight - 1;
				}
				var samples = (n.end - n.start) * tl.factor;
				var name = n.name == -1 ? "" : tl.names[n.name].replace(/_\[[kwij]\]$/, "");
				var label = tl_label(samples, n.samples);
				var text = n.name == -1 ? "all (" + label + ", 100%)" :
					name + " (" + label + ", " + (100 * samples / (time * tl.factor)).toFixed(2) + "%)";
				var g = document.createElementNS(ns, "g");
				var t = document.createElementNS(ns, "title"); t.textContent = text; g.appendChild(t);
				var r = document.createElementNS(ns, "rect");
				r.setAttribute("x", x1.toFixed(1)); r.setAttribute("y", y1); r.setAttribute("width", (x2 - x1).toFixed(1));
				r.setAttribute("height", (y2 - y1).toFixed(1));
				r.setAttribute("fill", n.name == -1 ? tl.rootColor : tl.colors[n.name]); r.setAttribute("rx", "2"); r.setAttribute("ry", "2");
				g.appendChild(r);
				var tx = document.createElementNS(ns, "text"); tx.setAttribute("x", (x1 + 3).toFixed(2)); tx.setAttribute("y", 3 + (y1 + y2) / 2);
				g.appendChild(tx);
				groups.push(g);
			}
		}
		unzoombtn.classList.add("hide");
		frames.replaceChildren.apply(frames, groups);
		for (var el of frames.children) { orig_save(find_child(el, "rect"), "x"); orig_save(find_child(el, "rect"), "width"); orig_save(find_child(el, "text"), "x"); }
		update_all_text();
		if (!fromURL) {
			var params = get_params();
			delete params.x; delete params.y;
			if (whole) delete params.t; else params.t = b0 + "-" + b1;
			history.replaceState(null, null, parse_params(params));
		}
		search();
	}
