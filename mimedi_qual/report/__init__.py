"""Views of the campaign record: Allure results and HTML, summary report."""
