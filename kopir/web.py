"""The script `kopir serve` runs in Streamlit: the UI, with the runtime built from settings."""

from kopir import bootstrap
from ui import services, streamlit_app

services.provide(bootstrap.build)
streamlit_app.main()
