"""Documents offices file: styled workbooks (openpyxl) and Word documents (python-docx).

Core: imports no domain. Domains describe their tables and sections; these modules give
them the shape offices expect (title and period rows, bold frozen header, widths,
filters, text cells that never become formulas; GB/T 9704 page, fonts and headings).
"""
