"""The board report (HTML and tagged PDF), its charts, and the result's exports (XLSX, CSV zip), in Dutch
and English.

``board.render_report_html`` / ``render_report_pdf`` take the stored result summary (``Result.to_dict()``)
and the job's meta data; ``export.result_xlsx`` / ``result_csv_zip`` also take the result files;
``formatting`` holds the number, money and date formats pages share.
"""
