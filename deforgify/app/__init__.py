"""The Gradio app's parts, which the Space's ``app.py`` puts together (``build_demo``) and
serves (``launch_options``): the page's sections, the components the API describes, the answers
in HTML, the reports of wrong answers, the checks of the API's calls, and what runs in the
browser. Needs ``gradio`` (requirements.txt), which the library alone does not."""
