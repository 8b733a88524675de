"""One matplotlib figure rendered into an ipywidgets.Image, updated in place.

Why not the inline backend or ipympl: the inline backend cannot update a figure
after the cell ran, and ipympl is an extra front-end dependency. Here a
:class:`matplotlib.figure.Figure` on the Agg canvas is drawn to PNG bytes and put
into an ``ipywidgets.Image``; that works in plain JupyterLab, in Notebook 7 and in
a headless test alike.

Why it is fast: widgets never rebuild the figure on a slider change. They update
the data of existing artists (``set_data``, ``set_offsets``). Renders use three
cached layers (blitting):

1. the *base*: axes, ticks, labels, legend — everything not registered below;
2. *layer* artists (contours, titles that name a parameter): drawn onto a copy
   of the base when they change (:meth:`FigureImage.invalidate_layer`), which
   skips the costly tick and text layout;
3. *dynamic* artists (paths, points, loss curves): drawn on every render,
   then *on-top* artists (a legend over moving paths).

So a tick costs the dynamic artists plus the PNG encoding. Anything that changes
the base (axes limits, legend) calls :meth:`FigureImage.invalidate`, and the next
render draws in full.
"""

from __future__ import annotations

import struct
import time
import zlib

import ipywidgets as widgets
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._style import PRESENTATION_CLASS, SETTINGS, figure_style, presentation_css

#: Pixel width of a figure in presentation mode (it is then shown at the cell's width).
PRESENTATION_WIDTH_PX = 1200


def _png_chunk(kind, data):
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def encode_png(rgb: np.ndarray, level: int = 1) -> bytes:
    """Encode an (H, W, 3) uint8 array as PNG bytes (8-bit RGB, no row filter).

    Why not PIL: for these flat plots, unfiltered rows at zlib level 1 encode in
    about half PIL's time and come out smaller, and the encoding is a third of a
    tick's cost.
    """
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must be a uint8 array of shape (H, W, 3), got {rgb.dtype} {rgb.shape}")
    height, width, _ = rgb.shape
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)  # leading 0 per row: filter "none"
    rows[:, 1:] = rgb.reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit, colour type 2 (RGB)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows.tobytes(), level))
        + _png_chunk(b"IEND", b"")
    )


class FigureImage:
    """A Figure whose renders land in ``self.image`` (an ``ipywidgets.Image``).

    Args:
        figsize: (width, height) in inches.
        dpi: pixels per inch of the PNG (90 gives ~900 px for a 10-inch figure).
        scale: font and line scale (``course.widgets.presentation``); matplotlib's
            rcParams for it are in force while the figure is drawn.
        fill_width: show the image as wide as the cell (it scales with the window)
            instead of at its pixel width.

    Attributes:
        fig: the matplotlib Figure (Agg canvas).
        image: ``ipywidgets.Image`` showing the latest render.
        render_count: number of renders so far.
        last_render_seconds: wall time of the latest render (draw + PNG encoding).
    """

    def __init__(self, figsize=(10.0, 4.2), dpi=90, scale=1.0, fill_width=False):
        self.scale = float(scale)
        self.fig = Figure(figsize=figsize, dpi=dpi)
        self.canvas = FigureCanvasAgg(self.fig)
        width_px = int(round(figsize[0] * dpi))
        width = "100%" if fill_width else f"{width_px}px"
        self.image = widgets.Image(
            format="png", layout=widgets.Layout(width=width, max_width="100%", height="auto")
        )
        self._dynamic = []
        self._layer = []
        self._on_top = []
        self._base = None
        self._background = None
        self.render_count = 0
        self.last_render_seconds = float("nan")

    def clear(self):
        """Empty the figure and every cache, keeping ``self.image`` (for a rebuild)."""
        self.fig.clear()
        self._dynamic, self._layer, self._on_top = [], [], []
        self.invalidate()

    def dynamic(self, artist):
        """Register an artist redrawn on every render (not cached); returns it."""
        artist.set_animated(True)
        self._dynamic.append(artist)
        return artist

    def on_top(self, artist):
        """Register an artist drawn last on every render (a legend over moving paths)."""
        artist.set_animated(True)
        self._on_top.append(artist)
        return artist

    def layer(self, artist):
        """Register an artist that changes now and then (contours); returns it.

        After changing it, call :meth:`invalidate_layer`.
        """
        artist.set_animated(True)
        self._layer.append(artist)
        self.invalidate_layer()
        return artist

    def forget(self, artist):
        """Remove an artist from the figure and from the layer or dynamic list."""
        for registry in (self._dynamic, self._layer, self._on_top):
            if artist in registry:
                registry.remove(artist)
        artist.remove()
        self.invalidate_layer()

    def invalidate(self):
        """Mark every cache stale: the next render draws everything."""
        self._base = None
        self._background = None

    def invalidate_layer(self):
        """Mark the layer artists changed: the next render redraws them onto the base."""
        self._background = None

    def render(self, full=False):
        """Draw the figure and publish it as PNG into ``self.image``.

        Args:
            full: redraw every artist even if the cached background is valid
                (used by benchmarks to measure the cost blitting saves).
        """
        start = time.perf_counter()
        with figure_style(self.scale):
            self._render(full)
        self.image.value = self.png_bytes()
        self.render_count += 1
        self.last_render_seconds = time.perf_counter() - start

    def _render(self, full):
        if full or self._base is None:
            # Agg skips animated artists in draw(): the result is the base layer.
            self.canvas.draw()
            self._base = self.canvas.copy_from_bbox(self.fig.bbox)
            self._background = None
        renderer = self.canvas.get_renderer()
        if self._background is None:
            self.canvas.restore_region(self._base)
            # Sorted by zorder, as a normal draw would, so a contour stays under markers.
            self._draw_artists(sorted(self._layer, key=lambda a: a.get_zorder()), renderer)
            self._background = self.canvas.copy_from_bbox(self.fig.bbox)
        else:
            self.canvas.restore_region(self._background)
        self._draw_artists(self._dynamic, renderer)
        self._draw_artists(self._on_top, renderer)

    @staticmethod
    def _draw_artists(artists, renderer):
        for artist in artists:
            if artist.get_visible() and artist.figure is not None:
                artist.draw(renderer)

    def png_bytes(self):
        """PNG of the canvas as last drawn (RGB)."""
        return encode_png(np.asarray(self.canvas.buffer_rgba())[..., :3])

    def pixels(self):
        """The rendered canvas as an (H, W, 3) uint8 array (for tests)."""
        return np.asarray(self.canvas.buffer_rgba())[..., :3].copy()


class WidgetBase:
    """Common parts: ``.ui`` container, display hook, a status line, error capture."""

    ui: widgets.Widget

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        build = cls.__dict__.get("_build_figure")
        if build is not None:
            # Fonts and line widths are fixed when artists are made: build under the widget's style.
            def _build_figure(self, *args, _build=build, **kw):
                if not hasattr(self, "style_scale"):
                    self.style_scale = SETTINGS.scale
                    self.presentation = SETTINGS.enabled
                with figure_style(self.style_scale):
                    return _build(self, *args, **kw)

            _build_figure.__doc__ = build.__doc__
            cls._build_figure = _build_figure

    def _new_figure(self, figsize, presentation_figsize=None):
        """A FigureImage for _build_figure: new the first time, cleared on a rebuild.

        In presentation mode the figure is ``presentation_figsize`` (default figsize),
        drawn PRESENTATION_WIDTH_PX wide and shown at the cell's width.
        """
        if getattr(self, "figure", None) is None:
            if self.presentation:
                figsize = presentation_figsize or figsize
                self.figure = FigureImage(
                    figsize=figsize,
                    dpi=PRESENTATION_WIDTH_PX / figsize[0],
                    scale=self.style_scale,
                    fill_width=True,
                )
            else:
                self.figure = FigureImage(figsize=figsize, scale=self.style_scale)
        else:
            self.figure.clear()
        return self.figure

    def _rebuild_figure(self):
        """Build the figure from scratch and render it: what a naive widget does per tick.

        Only benchmarks call it, to measure what reusing artists saves.
        """
        raise NotImplementedError

    def _make_status(self):
        self.status = widgets.HTML(value="")
        return self.status

    def _set_status(self, text, error=False):
        color = "#b00020" if error else "#333"
        self.status.value = (
            f'<span style="color:{color}; font-family:monospace">{text}</span>' if text else ""
        )

    def displayed_widget(self):
        """What the notebook shows: ``ui``; in presentation mode, ``ui`` in a box whose style
        scales the controls' text, height and labels (``presentation_css``) with the figure."""
        if not getattr(self, "presentation", False):
            return self.ui
        if getattr(self, "_presentation_box", None) is None:
            css = widgets.HTML(presentation_css(self.style_scale), layout=widgets.Layout(display="none"))
            self._presentation_box = widgets.VBox([css, self.ui])
            self._presentation_box.add_class(PRESENTATION_CLASS)
        return self._presentation_box

    def _repr_mimebundle_(self, **kwargs):
        return self.displayed_widget()._repr_mimebundle_(**kwargs)

    def _ipython_display_(self):
        from IPython.display import display

        display(self.displayed_widget())

    def close(self):
        """Close the widgets (frees the front-end views)."""
        box = getattr(self, "_presentation_box", None)
        if box is not None:
            box.children[0].close()
            box.close()
        self.ui.close()


def nice_upper(value: float) -> float:
    """Smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is >= value."""
    if not np.isfinite(value) or value <= 0:
        return 1.0
    exponent = np.floor(np.log10(value))
    for m in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        candidate = m * 10.0**exponent
        if candidate >= value * (1 - 1e-12):
            return float(candidate)
    return float(10.0 ** (exponent + 1))
