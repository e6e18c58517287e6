from lp import create_app
from lp.web.memory import settle

app = create_app()
settle()  # what start-up made lives as long as the worker: the garbage collector need not walk it
