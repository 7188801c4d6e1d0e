	var details, searchbtn, unzoombtn, matchedtxt, svg, frames, searching, currentSearchTerm, ignorecase, ignorecaseBtn;
	function init(evt) {
		details = document.getElementById("details").firstChild;
		searchbtn = document.getElementById("search");
		ignorecaseBtn = document.getElementById("ignorecase");
		unzoombtn = document.getElementById("unzoom");
		matchedtxt = document.getElementById("matched");
		svg = document.getElementsByTagName("svg")[0];
		frames = document.getElementById("frames");
		searching = 0;
		currentSearchTerm = null;
		ignorecase = false;
		// Keep the original geometry of every frame, for unzooming and for URLs.
		for (var el of frames.children) { orig_save(find_child(el, "rect"), "x"); orig_save(find_child(el, "rect"), "width"); orig_save(find_child(el, "text"), "x"); }
		var params = get_params();
		if (typeof tl_init === "function") tl_init(params);
		if (params.x && params.y) {
			var target = null;
			for (var el of frames.children) {
				var r = find_child(el, "rect");
				if (r.getAttribute("_orig_x") == params.x && r.getAttribute("y") == params.y) { target = el; break; }
			}
			if (target) zoom(target);
		}
		if (params.ic) { ignorecase = true; ignorecaseBtn.classList.add("show"); }
		if (params.s) search(params.s);
		update_all_text();
	}

	window.addEventListener("click", function(e) {
		var target = find_group(e.target);
		if (target) {
			if (target.nodeName == "a") {
				if (e.ctrlKey === false) return;
				e.preventDefault();
			}
			if (target.classList.contains("parent")) unzoom(true);
			zoom(target);
			if (!document.querySelector('.parent')) {
				// zoomed back to the root
				var params = get_params();
				delete params.x; delete params.y;
				history.replaceState(null, null, parse_params(params));
				unzoombtn.classList.add("hide");
				return;
			}
			var r = find_child(target, "rect");
			var params = get_params();
			params.x = r.getAttribute("_orig_x");
			params.y = r.getAttribute("y");
			history.replaceState(null, null, parse_params(params));
		}
		else if (e.target.id == "unzoom") clearzoom();
		else if (e.target.id == "search") search_prompt();
		else if (e.target.id == "ignorecase") toggle_ignorecase();
	}, false);

	// Details line and tooltip text on hover.
	window.addEventListener("mouseover", function(e) {
		var target = find_group(e.target);
		if (target) details.nodeValue = nametype + " " + g_to_text(target);
	}, false);
	window.addEventListener("mouseout", function(e) {
		var target = find_group(e.target);
		if (target) details.nodeValue = " ";
	}, false);

	// Ctrl-F / F3: search; Ctrl-I: ignore case; Escape: reset zoom and search.
	window.addEventListener("keydown", function(e) {
		if (e.keyCode === 114 || (e.ctrlKey && e.keyCode === 70)) { e.preventDefault(); search_prompt(); }
		else if (e.ctrlKey && e.keyCode === 73) { e.preventDefault(); toggle_ignorecase(); }
		else if (e.keyCode === 27) { clearzoom(); reset_search(); }
	}, false);

	function get_params() {
		var params = {};
		var paramsarr = window.location.search.substr(1).split('&');
		for (var i = 0; i < paramsarr.length; ++i) {
			var tmp = paramsarr[i].split("=");
			if (!tmp[0] || tmp[1] === undefined) continue;
			params[tmp[0]] = decodeURIComponent(tmp[1]);
		}
		return params;
	}
	function parse_params(params) {
		var uri = "?";
		for (var key in params) uri += key + '=' + encodeURIComponent(params[key]) + '&';
		if (uri.slice(-1) == "&") uri = uri.substring(0, uri.length - 1);
		if (uri == '?') uri = window.location.href.split('?')[0];
		return uri;
	}
	function find_child(node, selector) {
		var children = node.querySelectorAll(selector);
		if (children.length) return children[0];
	}
	function find_group(node) {
		var parent = node.parentElement;
		if (!parent) return;
		if (parent.id == "frames") return node;
		return find_group(parent);
	}
	function orig_save(e, attr, val) {
		if (e.attributes["_orig_" + attr] != undefined) return;
		if (e.attributes[attr] == undefined) return;
		if (val == undefined) val = e.attributes[attr].value;
		e.setAttribute("_orig_" + attr, val);
	}
	function orig_load(e, attr) {
		if (e.attributes["_orig_" + attr] == undefined) return;
		e.attributes[attr].value = e.attributes["_orig_" + attr].value;
		e.removeAttribute("_orig_" + attr);
		orig_save(e, attr);
	}
	function g_to_text(e) {
		var text = find_child(e, "title").firstChild.nodeValue;
		var zoomed = document.querySelector(".zoomed");
		if (zoomed && zoomed !== e) {
			// Share of the zoomed frame, beside the share of the whole profile.
			var zw = parseFloat(find_child(zoomed, "rect").getAttribute("_orig_width"));
			var w = parseFloat(find_child(e, "rect").getAttribute("_orig_width"));
			if (zw > 0 && w <= zw) text = text.replace(/\)$/, ", " + (100 * w / zw).toFixed(2) + "% of zoomed)");
		}
		return text;
	}
	function g_to_func(e) {
		return find_child(e, "title").firstChild.nodeValue.replace(/ \([^(]*\)$/, "");
	}
	function update_text(e) {
		var r = find_child(e, "rect");
		var t = find_child(e, "text");
		var w = parseFloat(r.attributes.width.value) - 3;
		var txt = g_to_func(e);
		t.attributes.x.value = parseFloat(r.attributes.x.value) + 3;
		// Smaller than this size won't fit anything
		if (w < 2 * fontsize * fontwidth) { t.textContent = ""; return; }
		t.textContent = txt;
		var sl = t.getSubStringLength(0, txt.length);
		if (/^ *$/.test(txt) || sl < w) return;
		// Estimate the fitting length, then trim until it fits.
		var start = Math.floor((w / sl) * txt.length);
		for (var x = start; x > 0; x = x - 2) {
			if (t.getSubStringLength(0, x + 2) <= w) { t.textContent = txt.substring(0, x) + ".."; return; }
		}
		t.textContent = "";
	}
	function update_all_text() {
		for (var el of frames.children) {
			if (!el.classList.contains("hide")) update_text(el);
		}
	}

	// zoom
	function zoom_reset(e) {
		if (e.attributes != undefined) { orig_load(e, "x"); orig_load(e, "width"); }
		if (e.childNodes == undefined) return;
		for (var i = 0, c = e.childNodes; i < c.length; i++) zoom_reset(c[i]);
	}
	function zoom_child(e, x, ratio) {
		if (e.attributes != undefined) {
			if (e.attributes.x != undefined) {
				orig_save(e, "x");
				e.attributes.x.value = (parseFloat(e.attributes.x.value) - x - xpad) * ratio + xpad;
				if (e.tagName == "text") e.attributes.x.value = find_child(e.parentNode, "rect[x]").attributes.x.value + 3;
			}
			if (e.attributes.width != undefined) {
				orig_save(e, "width");
				e.attributes.width.value = parseFloat(e.attributes.width.value) * ratio;
			}
		}
		if (e.childNodes == undefined) return;
		for (var i = 0, c = e.childNodes; i < c.length; i++) zoom_child(c[i], x - xpad, ratio);
	}
	function zoom_parent(e) {
		if (e.attributes) {
			if (e.attributes.x != undefined) { orig_save(e, "x"); e.attributes.x.value = xpad; }
			if (e.attributes.width != undefined) {
				orig_save(e, "width");
				e.attributes.width.value = parseInt(svg.width.baseVal.value) - (xpad * 2);
			}
		}
		if (e.childNodes == undefined) return;
		for (var i = 0, c = e.childNodes; i < c.length; i++) zoom_parent(c[i]);
	}
	function zoom(node) {
		var attr = find_child(node, "rect").attributes;
		var width = parseFloat(attr.width.value);
		var xmin = parseFloat(attr.x.value);
		var xmax = parseFloat(xmin + width);
		var ymin = parseFloat(attr.y.value);
		var ratio = (svg.width.baseVal.value - 2 * xpad) / width;
		// XXX: Workaround for JavaScript float issues (fix me)
		var fudge = 0.0001;
		unzoombtn.classList.remove("hide");
		var old = document.querySelector(".zoomed");
		if (old) old.classList.remove("zoomed");
		node.classList.add("zoomed");
		for (var el of frames.children) {
			var a = find_child(el, "rect").attributes;
			var ex = parseFloat(a.x.value);
			var ew = parseFloat(a.width.value);
			var upstack;
			// Is it an ancestor
			if (!inverted) upstack = parseFloat(a.y.value) > ymin;
			else upstack = parseFloat(a.y.value) < ymin;
			if (upstack) {
				// Direct ancestor
				if (ex <= xmin && (ex + ew + fudge) >= xmax) { el.classList.add("parent"); zoom_parent(el); update_text(el); }
				// not in current path
				else el.classList.add("hide");
			}
			// Children maybe
			else {
				// no common path
				if (ex < xmin || ex + fudge >= xmax) el.classList.add("hide");
				else { zoom_child(el, xmin, ratio); update_text(el); }
			}
		}
		search();
	}
	function unzoom(dont_update_text) {
		unzoombtn.classList.add("hide");
		var old = document.querySelector(".zoomed");
		if (old) old.classList.remove("zoomed");
		for (var el of frames.children) {
			el.classList.remove("parent");
			el.classList.remove("hide");
			zoom_reset(el);
			if (!dont_update_text) update_text(el);
		}
		search();
	}
	function clearzoom() {
		unzoom();
		var params = get_params();
		delete params.x; delete params.y;
		history.replaceState(null, null, parse_params(params));
	}

	// search
	function toggle_ignorecase() {
		ignorecase = !ignorecase;
		if (ignorecase) ignorecaseBtn.classList.add("show");
		else ignorecaseBtn.classList.remove("show");
		var params = get_params();
		if (ignorecase) params.ic = 1; else delete params.ic;
		history.replaceState(null, null, parse_params(params));
		reset_search();
		search();
	}
	function reset_search() {
		for (var el of frames.children) orig_load(find_child(el, "rect"), "fill");
		var params = get_params();
		delete params.s;
		history.replaceState(null, null, parse_params(params));
	}
	function search_prompt() {
		if (!searching) {
			var term = prompt("Enter a search term (regexp " + "allowed, eg: ^ext4_)" + (ignorecase ? ", ignoring case" : "") + "\nPress Ctrl-i to toggle case sensitivity", "");
			if (term != null) search(term);
		} else {
			reset_search();
			searching = 0;
			currentSearchTerm = null;
			searchbtn.classList.remove("show");
			searchbtn.firstChild.nodeValue = "Search";
			matchedtxt.classList.add("hide");
			matchedtxt.firstChild.nodeValue = "";
		}
	}
	function search(term) {
		if (term) currentSearchTerm = term;
		if (currentSearchTerm === null) return;
		var re;
		try { re = new RegExp(currentSearchTerm, ignorecase ? 'i' : ''); } catch (err) { matchedtxt.firstChild.nodeValue = "bad regexp"; return; }
		var maxwidth = 0;
		var matches = {};
		searching = 0;
		for (var el of frames.children) orig_load(find_child(el, "rect"), "fill");
		for (var el of frames.children) {
			var func = g_to_func(el);
			var rect = find_child(el, "rect");
			if (func == null || rect == null) continue;
			// Save max width. Only works as we have a root frame
			var w = parseFloat(rect.attributes.width.value);
			if (w > maxwidth) maxwidth = w;
			if (func.match(re)) {
				// highlight
				var x = parseFloat(rect.attributes.x.value);
				orig_save(rect, "fill");
				rect.attributes.fill.value = searchcolor;
				// remember matches
				if (matches[x] == undefined) matches[x] = w;
				else if (w > matches[x]) matches[x] = w;
				searching = 1;
			}
		}
		if (!searching) return;
		var params = get_params();
		params.s = currentSearchTerm;
		history.replaceState(null, null, parse_params(params));
		searchbtn.classList.add("show");
		searchbtn.firstChild.nodeValue = "Reset Search";
		// Sum the widths of matched frames, counting nested matches once (x-sorted sweep).
		var count = 0;
		var lastx = -1;
		var lastw = 0;
		var keys = Array();
		for (var k in matches) { if (matches.hasOwnProperty(k)) keys.push(k); }
		keys.sort(function(a, b) { return a - b; });
		var fudge = 0.0001;
		for (var k in keys) {
			var x = parseFloat(keys[k]);
			var w = matches[keys[k]];
			if (x >= lastx + lastw - fudge) { count += w; lastx = x; lastw = w; }
		}
		matchedtxt.classList.remove("hide");
		var pct = 100 * count / maxwidth;
		if (pct != 100) pct = pct.toFixed(1);
		matchedtxt.firstChild.nodeValue = "Matched: " + pct + "%";
	}
