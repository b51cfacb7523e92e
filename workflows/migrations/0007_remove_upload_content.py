from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0006_upload_bytes_to_storage'),
    ]

    operations = [
        # A default first, so that backwards the column comes back on rows that exist (empty,
        # until 0006 backwards puts each file's bytes in it).
        migrations.AlterField(
            model_name='upload',
            name='content',
            field=models.BinaryField(default=b''),
        ),
        migrations.RemoveField(
            model_name='upload',
            name='content',
        ),
    ]
