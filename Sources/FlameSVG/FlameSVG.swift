// Interactive flame graph SVG.
