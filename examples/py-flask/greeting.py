def greeting():
    return "hello from flask"
