from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0006_upload_bytes_to_storage'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='upload',
            name='content',
        ),
    ]
