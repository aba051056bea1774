"""The Gradio app's parts, which the Space's ``app.py`` puts together (``build_demo``) and
serves (``launch_options``): the page's sections, the components the API describes, the answers
in HTML, the reports of wrong answers, the checks of the API's calls, and what runs in the
browser. Needs ``gradio`` (requirements.txt, or the ``app`` extra), which the rest of the library does
not; ``verdict_box``, ``about_model`` and ``browser`` import without it."""
