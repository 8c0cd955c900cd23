"""The live workshop dashboard (``reformsim dashboard``): a Solara app on Mesa's SolaraViz.

* ``levers``     -- the sliders and switches: label, explanation, seed source, range, scenario key
* ``runs``       -- ``DashboardModel``: your scenario and a comparison on the same seed, played back
* ``compute``    -- the worker pool shared by every session, which records whole runs
* ``svg``        -- the charts as small SVG documents (cheap to redraw every month)
* ``components`` -- charts, network, one municipality's units, side-by-side summary, export
* ``app``        -- the page (``page``), served by ``server.serve``
* ``server``     -- serving it with no internet (every front-end file from the app itself)

Importing this package does not import Solara; ``app`` and ``components`` do.
"""
