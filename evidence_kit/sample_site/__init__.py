"""A bundled sample site for demonstrations: a fictitious recruitment-ad agency ("Star Models").

Ads with phone numbers in several formats, e-mail addresses, Telegram and WhatsApp links, a Bitcoin
address with a valid checksum, a photo carrying EXIF GPS and camera tags, lazy-loaded images, a cookie
banner and a recruiter's profile page. Every name, number and address is invented.

Serve it with ``evidence_kit.sample_site.serve.start()`` or ``python -m evidence_kit.sample_site.serve``.
"""
