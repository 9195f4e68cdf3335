"""Where files go, what they are called, small previews, and reading inputs safely.

One rule decides every file access: a path is used only when its real path (symlinks resolved)
lies inside an allowed folder (the host's workspace roots, ``PIXAPI_OUTPUT_DIR``, the per-user
output folder and ``PIXAPI_ALLOWED_DIRS``), and it is checked on what is opened, not on a name
opened again later:

- ``paths``: the allowed folders, and the descriptor walk that opens inputs (``open_inside``) and
  output folders (``open_folder``/``OpenFolder``) without ever following a swapped-in symlink.
- ``inputs``: edit inputs from workspace files and data URIs, checked to be real images.
- ``names``: output file names, and writing a new file without overwriting.
- ``images``: image facts, output formats, previews.
- ``urls``: the check before each hop of a URL fetch; the address rule itself is enforced at
  connect time by ``pixapi_mcp.client.guarded``.
"""

from pixapi_mcp.media.images import (
    IMAGE_FORMATS,
    PREVIEW_MAX_BYTES,
    PREVIEW_MAX_SIDE,
    PREVIEW_SOURCE_MAX_BYTES,
    ImageFacts,
    ImageFormat,
    describe_file,
    describe_file_async,
    file_preview,
    file_preview_async,
    image_facts,
    jpeg_thumbnail,
    known_files,
    make_preview,
    media_type_of,
    output_format,
)
from pixapi_mcp.media.inputs import (
    MAX_INPUT_BYTES,
    MAX_INPUT_SIDE,
    check_input_image,
    input_kind,
    read_data_uri,
    read_local_image,
)
from pixapi_mcp.media.names import (
    candidate_names,
    candidate_paths,
    extension_for,
    output_name,
    slug,
    write_new_file,
)
from pixapi_mcp.media.paths import (
    DESCRIPTOR_WALK,
    MAX_PATH_CHARS,
    WORKSPACE_SUBDIR,
    MediaError,
    OpenFolder,
    allowed_folders,
    choose_output_dir,
    ensure_inside,
    local_path,
    open_folder,
    open_inside,
    open_saved,
    read_regular,
    roots_to_paths,
    shown,
)
from pixapi_mcp.media.urls import is_public_address, private_url_error, url_guard

__all__ = [
    "DESCRIPTOR_WALK",
    "IMAGE_FORMATS",
    "MAX_INPUT_BYTES",
    "MAX_INPUT_SIDE",
    "MAX_PATH_CHARS",
    "PREVIEW_MAX_BYTES",
    "PREVIEW_MAX_SIDE",
    "PREVIEW_SOURCE_MAX_BYTES",
    "WORKSPACE_SUBDIR",
    "ImageFacts",
    "ImageFormat",
    "MediaError",
    "OpenFolder",
    "allowed_folders",
    "candidate_names",
    "candidate_paths",
    "check_input_image",
    "choose_output_dir",
    "describe_file",
    "describe_file_async",
    "ensure_inside",
    "extension_for",
    "file_preview",
    "file_preview_async",
    "image_facts",
    "input_kind",
    "is_public_address",
    "jpeg_thumbnail",
    "known_files",
    "local_path",
    "make_preview",
    "media_type_of",
    "open_folder",
    "open_inside",
    "open_saved",
    "output_format",
    "output_name",
    "private_url_error",
    "read_data_uri",
    "read_local_image",
    "read_regular",
    "roots_to_paths",
    "shown",
    "slug",
    "url_guard",
    "write_new_file",
]
