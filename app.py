from lp import create_app

app = create_app()
