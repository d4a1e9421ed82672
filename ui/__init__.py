"""The Streamlit app: thin pages over ui.services."""
